package spine.controller.pid1;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import spine.controller.state.ImageMarks;
import spine.controller.state.StateException;
import spine.drivers.exec.CommandResult;
import spine.drivers.kernel.Syscalls;
import spine.drivers.podman.PodmanImages;
import spine.model.image.PlacementPlanner;
import spine.model.image.PlacementPlanner.Builtin;
import spine.model.image.PlacementPlanner.Decision;
import spine.model.image.PlacementPlanner.Inputs;

/**
 * The images built into the system, placed into podman's storage and healed there (docs/OPERATIONS.md, "Built-in
 * images"). Placement is begun once: by the first step that creates a container (which waits for it), or after the
 * loop's first pass. It is journaled: load, syncfs of the storage's filesystem, then the mark ({@link ImageMarks});
 * an image without its mark is removed and loaded again, or checked against the build's digest list first when
 * containers use it ({@link PlacementPlanner}). At run time a container start that fails as a torn image fails makes
 * the image suspect: it is checked, and reloaded when torn, once an image a boot; then the loop is woken.
 */
final class BuiltinImages {
    private static final System.Logger LOG = System.getLogger("bay0");
    /** podman may not answer yet at boot (a hung or slow first run): asked this many times before placement gives up. */
    private static final int ASKS = 3;

    private final Map<String, String> bundled;
    private final PodmanImages podman;
    private final Optional<ImageMarks> marks;
    private final Syscalls sys;
    private final String storage;
    private final Clock clock;
    private final Consumer<String> event;
    private final BooleanSupplier stopping;
    private final CompletableFuture<Boolean> placed = new CompletableFuture<>();
    private final AtomicBoolean begun = new AtomicBoolean();
    private final Set<String> suspects = new HashSet<>();
    private final Set<String> checked = new HashSet<>();
    private final Set<String> reloaded = new HashSet<>();
    private volatile Runnable onHealed = () -> { };

    /**
     * {@code bundled}: name to archive, in the order the system image lists them (the first name of an archive is
     * the one it loads under, the others are tags of it); {@code marks}: absent when there is no state
     * database (podman's storage is then a tmpfs, which a power cut cannot tear); {@code storage}: a directory on the
     * filesystem of podman's storage; {@code event}: what this boot's record and console learn of a placement.
     */
    BuiltinImages(Map<String, String> bundled, PodmanImages podman, Optional<ImageMarks> marks, Syscalls sys, String storage,
                  Clock clock, Consumer<String> event, BooleanSupplier stopping) {
        this.bundled = new LinkedHashMap<>(bundled);
        this.podman = podman;
        this.marks = marks;
        this.sys = sys;
        this.storage = storage;
        this.clock = clock;
        this.event = event;
        this.stopping = stopping;
    }

    /** Done (true when every image is placed) once the first placement ended. */
    CompletableFuture<Boolean> placed() {
        return placed;
    }

    /** Called after a suspect image was checked or reloaded: the loop's next pass makes its containers anew. */
    void onHealed(Runnable r) {
        onHealed = r;
    }

    /** The built-in images: refs that share an archive are one image, loaded under the first and tagged with the rest. */
    List<Builtin> builtins() {
        var byArchive = new LinkedHashMap<String, List<String>>();
        bundled.forEach((ref, archive) -> byArchive.computeIfAbsent(archive, a -> new ArrayList<>()).add(ref));
        var out = new ArrayList<Builtin>();
        byArchive.forEach((archive, refs) -> out.add(new Builtin(refs.getFirst(), archive, refs.subList(1, refs.size()))));
        return out;
    }

    /** Begins the placement on a thread of its own, once. */
    void begin() {
        if (begun.getAndSet(true)) return;
        Thread.ofPlatform().daemon().name("boot-images").start(() -> {
            boolean ok = false;
            try {
                ok = placeAll();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "built-in images: placement stopped", e);
            } finally {
                placed.complete(ok);
            }
        });
    }

    /** Begins the placement if nothing did yet and waits for it, at most {@code bound}. */
    void await(Duration bound) {
        begin();
        Bounded.Outcome<Boolean> done = Bounded.call("images-placed", bound, placed::get);
        if (!done.ok()) LOG.log(System.Logger.Level.WARNING, "built-in images not placed: {0}", done.failure());
    }

    /**
     * A container on {@code image} failed to start with {@code error}. When that reads as a torn built-in image, the
     * image is checked (and reloaded when torn) on a thread of its own, at most once a boot; the loop is woken after.
     */
    void suspect(String image, String error) {
        if (PlacementPlanner.suggestsTornImage(error)) check(image, error);
    }

    /**
     * A container on {@code image} exited by itself with {@code code}: crun reports an exec that failed inside the
     * container (an emptied binary) so, after a start that succeeded. A failure is worth one check of a built-in image a
     * boot; a container whose own command fails costs that one check and no more.
     */
    void exited(String image, int code) {
        if (code != 0) check(image, "a container on it exited by itself with code " + code);
    }

    private void check(String image, String error) {
        Optional<Builtin> b = builtins().stream().filter(i -> i.ref().equals(image) || i.tags().contains(image)).findFirst();
        if (b.isEmpty() || !placed.isDone()) return; // not a built-in image, or its first placement is still running
        synchronized (this) {
            if (!suspects.add(b.get().ref())) return; // already being looked at
        }
        LOG.log(System.Logger.Level.WARNING, "built-in image suspect ref={0} error=\"{1}\"", b.get().ref(), error);
        Thread.ofPlatform().daemon().name("image-check").start(() -> {
            try {
                heal(b.get());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "built-in image check stopped ref=" + b.get().ref(), e);
            } finally {
                onHealed.run();
            }
        });
    }

    private void heal(Builtin image) {
        Optional<Map<String, String>> present = podman.present();
        if (present.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "built-in image not checked ref={0}: podman images did not answer", image.ref());
            synchronized (this) {
                suspects.remove(image.ref());
            }
            return;
        }
        var toMark = new ArrayList<Placed>();
        Inputs in = inputs(present.get(), readMarks(), users());
        act(image, PlacementPlanner.decide(image, in), in, toMark);
        finish(toMark);
        synchronized (this) {
            suspects.remove(image.ref());
        }
    }

    /** The first placement: every built-in image decided on and acted on; true when all are placed. */
    private boolean placeAll() {
        if (bundled.isEmpty()) return true;
        Optional<Map<String, String>> asked = Optional.empty();
        for (int ask = 1; ask <= ASKS && asked.isEmpty() && !stopping.getAsBoolean(); ask++) {
            asked = podman.present();
            if (asked.isEmpty()) LOG.log(System.Logger.Level.WARNING, "built-in images not checked yet: podman images did not answer (ask {0} of {1})", ask, ASKS);
        }
        if (asked.isEmpty()) return false;
        Map<String, String> present = asked.get();
        Map<String, ImageMarks.Mark> known = readMarks();
        boolean unmarked = builtins().stream().anyMatch(b -> present.containsKey(b.ref())
                && !Optional.ofNullable(known.get(b.ref())).map(m -> m.id().equals(present.get(b.ref()))).orElse(false));
        Map<String, List<String>> users = unmarked && marks.isPresent() ? users() : Map.of();
        var toMark = new ArrayList<Placed>();
        boolean all = true;
        Inputs in = inputs(present, known, users);
        for (Builtin b : builtins()) {
            Decision d = marks.isEmpty() && present.containsKey(b.ref())
                    ? new PlacementPlanner.Keep(b.ref(), present.get(b.ref()), "present (no state database: storage on tmpfs, no marks)")
                    : PlacementPlanner.decide(b, in);
            all &= act(b, d, in, toMark);
        }
        return finish(toMark) && all;
    }

    private Inputs inputs(Map<String, String> present, Map<String, ImageMarks.Mark> known, Map<String, List<String>> users) {
        var byRef = new TreeMap<String, String>();
        known.forEach((ref, m) -> byRef.put(ref, m.id()));
        synchronized (this) {
            return new Inputs(present, byRef, users, suspects, checked, reloaded);
        }
    }

    private Map<String, ImageMarks.Mark> readMarks() {
        if (marks.isEmpty()) return Map.of();
        try {
            return marks.get().read();
        } catch (StateException e) {
            LOG.log(System.Logger.Level.WARNING, "image marks unreadable, every image is checked: {0}", e.getMessage());
            return Map.of();
        }
    }

    /** Who uses each image; when podman does not say, every image counts as used, so nothing is removed unchecked. */
    private Map<String, List<String>> users() {
        return podman.users().orElseGet(() -> {
            LOG.log(System.Logger.Level.WARNING, "podman ps did not answer: images without a mark are checked, not removed");
            var all = new TreeMap<String, List<String>>();
            podman.present().ifPresent(p -> p.values().forEach(id -> all.put(id, List.of("(unknown: podman ps did not answer)"))));
            return all;
        });
    }

    /** Acts on one decision; what it placed joins {@code toMark}. False when the image is not placed. */
    private boolean act(Builtin image, Decision d, Inputs in, List<Placed> toMark) {
        Map<String, String> present = in.present();
        return switch (d) {
            case PlacementPlanner.Keep k -> {
                LOG.log(System.Logger.Level.INFO, "image present ref={0} ({1})", k.ref(), k.reason());
                yield tags(image, k.id(), present, toMark);
            }
            case PlacementPlanner.Load l -> load(image, "loaded", toMark);
            case PlacementPlanner.Reload r -> reload(image, r, toMark);
            case PlacementPlanner.Verify v -> {
                long t0 = System.nanoTime();
                PodmanImages.Check c = podman.check(image.ref(), image.digests());
                synchronized (this) {
                    checked.add(image.ref());
                }
                LOG.log(c.whole() ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                        "image checked ref={0} whole={1} ms={2} why=\"{3}\"{4}", image.ref(), c.whole(),
                        (System.nanoTime() - t0) / 1_000_000, v.reason(), c.whole() ? "" : " detail=\"" + c.detail() + "\"");
                yield act(image, PlacementPlanner.afterCheck(image, v.id(), c.whole(), c.detail(), in), in, toMark);
            }
            case PlacementPlanner.Mark m -> {
                toMark.add(new Placed(m.ref(), "verified", Optional.of(m.id())));
                event.accept("image verified ref=" + m.ref() + " (" + m.reason() + ")");
                yield tags(image, m.id(), present, toMark);
            }
            case PlacementPlanner.GiveUp g -> {
                LOG.log(System.Logger.Level.WARNING, "image left as it is ref={0}: {1}", g.ref(), g.reason());
                event.accept("image left as it is ref=" + g.ref() + ": " + g.reason());
                yield present.containsKey(image.ref());
            }
        };
    }

    /**
     * Removes a torn image and loads it again. The containers built on it go with it ({@code podman rmi --force}), so
     * each one's own files are saved first under persist; if any cannot be saved, nothing is removed.
     */
    private boolean reload(Builtin image, PlacementPlanner.Reload r, List<Placed> toMark) {
        for (String user : r.users()) {
            Optional<String> failure = saveChanges(user);
            if (failure.isPresent()) {
                LOG.log(System.Logger.Level.ERROR, "torn image kept ref={0}: the files of {1} could not be saved ({2})", image.ref(), user, failure.get());
                event.accept("image torn but kept ref=" + image.ref() + ": the files of " + user + " could not be saved (" + failure.get() + ")");
                return false;
            }
        }
        try {
            if (marks.isPresent()) marks.get().unmark(refs(image));
        } catch (StateException e) {
            LOG.log(System.Logger.Level.WARNING, "image marks not cleared ref={0}: {1}", image.ref(), e.getMessage());
        }
        CommandResult rm = podman.remove(r.id());
        LOG.log(rm.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "image removed ref={0} id={1} ok={2} containers={3} why=\"{4}\"{5}",
                image.ref(), r.id(), rm.ok(), r.users(), r.reason(), rm.ok() ? "" : " error=\"" + rm.summary() + "\"");
        synchronized (this) {
            reloaded.add(image.ref());
        }
        boolean ok = load(image, "reloaded", toMark);
        event.accept("image reloaded ref=" + image.ref() + " ok=" + ok + " (" + r.reason() + ")"
                + (r.users().isEmpty() ? "" : "; containers made anew: " + String.join(", ", r.users())));
        return ok;
    }

    private Optional<String> saveChanges(String container) {
        if (marks.isEmpty()) return Optional.of("no persist to save them on");
        try {
            String tar = marks.get().savedChanges(container, clock.instant()).toString();
            CommandResult r = podman.saveChanges(container, tar);
            if (!r.ok()) return Optional.of(r.summary());
            LOG.log(System.Logger.Level.INFO, "container files saved container={0} to={1}", container, tar);
            event.accept("files of " + container + " saved to " + tar + " before its torn image was removed");
            return Optional.empty();
        } catch (StateException e) {
            return Optional.of(e.getMessage());
        }
    }

    private boolean load(Builtin image, String how, List<Placed> toMark) {
        CommandResult r = podman.load(image.archive());
        LOG.log(r.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "image load ref={0} archive={1} ok={2} ms={3}{4}",
                image.ref(), image.archive(), r.ok(), r.took().toMillis(), r.ok() ? "" : " error=\"" + r.summary() + "\"");
        if (!r.ok()) return false;
        event.accept("image " + how + " ref=" + image.ref() + " ms=" + r.took().toMillis() + " (not yet flushed)");
        toMark.add(new Placed(image.ref(), how, Optional.empty()));
        return tags(image, "", Map.of(), toMark);
    }

    /** The image's other names, given where they are missing or name another image. */
    private boolean tags(Builtin image, String id, Map<String, String> present, List<Placed> toMark) {
        boolean ok = true;
        for (String tag : image.tags()) {
            if (!id.equals(present.get(tag))) {
                CommandResult t = podman.tag(image.ref(), tag);
                LOG.log(t.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "image tag ref={0} of={1} ok={2} ms={3}{4}",
                        tag, image.ref(), t.ok(), t.took().toMillis(), t.ok() ? "" : " error=\"" + t.summary() + "\"");
                ok &= t.ok();
                if (t.ok()) toMark.add(new Placed(tag, "tagged", Optional.empty()));
            } else {
                toMark.add(new Placed(tag, "tagged", Optional.of(id)));
            }
        }
        return ok;
    }

    /** A name placed by this pass and how; its image id when known, else asked of podman once, before the marks. */
    private record Placed(String ref, String how, Optional<String> id) {}

    /**
     * Flushes the storage's filesystem, then writes the marks: an image counts as placed only once its files are on
     * disk. podman writes layers without fsync, and ext4's delayed allocation can leave them empty after a power cut
     * (Gate B saw "sh not found" in a container). Marks that are already there are written again only when changed.
     */
    private boolean finish(List<Placed> placedNow) {
        if (placedNow.isEmpty() || marks.isEmpty()) {
            if (!placedNow.isEmpty()) syncfs();
            return true;
        }
        Map<String, String> ids = placedNow.stream().allMatch(p -> p.id().isPresent()) ? Map.of()
                : podman.present().orElse(Map.of());
        Map<String, ImageMarks.Mark> known = readMarks();
        String now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        var changed = new ArrayList<ImageMarks.Mark>();
        for (Placed p : placedNow) {
            String id = p.id().orElse(ids.get(p.ref()));
            if (id == null) {
                LOG.log(System.Logger.Level.WARNING, "image placed but not listed by podman ref={0}; not marked", p.ref());
                continue;
            }
            boolean same = Optional.ofNullable(known.get(p.ref())).map(k -> k.id().equals(id)).orElse(false);
            if (!same) changed.add(new ImageMarks.Mark(p.ref(), id, now, p.how()));
        }
        if (changed.isEmpty()) return true;
        if (!syncfs()) return false;
        try {
            marks.get().mark(changed);
            event.accept("images placed and marked: " + String.join(", ", changed.stream().map(ImageMarks.Mark::ref).toList()));
            return true;
        } catch (StateException e) {
            LOG.log(System.Logger.Level.WARNING, "images flushed but not marked (the next boot checks them again): {0}", e.getMessage());
            return false;
        }
    }

    private boolean syncfs() {
        long t0 = System.nanoTime();
        Bounded.Outcome<Syscalls.Result> r = Bounded.call("syncfs-images", Duration.ofSeconds(60), () -> sys.syncfs(storage));
        boolean ok = r.ok() && r.value().map(Syscalls.Result::ok).orElse(false);
        LOG.log(ok ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "images flushed to disk path={0} ok={1} ms={2}{3}", storage, ok,
                (System.nanoTime() - t0) / 1_000_000, ok ? "" : " error=\"" + (r.ok() ? r.value().map(Object::toString).orElse("") : r.failure()) + "\"");
        return ok;
    }

    private static List<String> refs(Builtin image) {
        var out = new ArrayList<String>();
        out.add(image.ref());
        out.addAll(image.tags());
        return out;
    }
}
