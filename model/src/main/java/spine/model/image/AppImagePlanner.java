package spine.model.image;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.model.AppImage;
import spine.model.DesiredContainer;
import spine.model.DesiredState;
import spine.model.ResourceId;
import spine.model.Step;

/**
 * Decides which Images to load and which containers wait for one. An Image is ready when its last load recorded the
 * archive's sha256 as the spec has it and podman's {@code ref} still names the image that load gave; anything else
 * (never loaded, a new archive, the name gone or moved to another image) loads it again. A container whose image is
 * an Image's ref that is not ready waits, with the reason, rather than run or be replaced: podman never pulls, and an
 * old container keeps running until its new image is there. Pure: the loop asks podman and the state package.
 */
public final class AppImagePlanner {
    private AppImagePlanner() {}

    /** What the last load of an Image recorded: the archive's sha256 it checked and the id of the image it gave. */
    public record Loaded(String sha256, String imageId) {}

    /**
     * The loads to run and, for each container that waits, why. {@code present} is podman's name to image id, empty
     * when podman did not answer (then nothing is decided: no load, nobody waits on a guess).
     */
    public record Result(List<Step.LoadImage> loads, SortedMap<ResourceId, String> waiting, ImageCollector.Result collect) {
        public Result {
            loads = List.copyOf(loads);
            waiting = new TreeMap<>(waiting);
        }

        public Result(List<Step.LoadImage> loads, SortedMap<ResourceId, String> waiting) {
            this(loads, waiting, ImageCollector.Result.NONE);
        }

        public static final Result NONE = new Result(List.of(), new TreeMap<>());
    }

    /**
     * What the loop knows of images: podman's name to image id (empty when not asked or not answered), each Image's
     * recorded load, and each Image's last failed load.
     */
    public record Inputs(Optional<Map<String, String>> present, Map<ResourceId, Loaded> loaded, Map<ResourceId, String> errors,
                         List<ImageCollector.Given> given, Instant now, Duration grace) {
        public Inputs {
            present = present.map(Map::copyOf);
            loaded = Map.copyOf(loaded);
            errors = Map.copyOf(errors);
            given = List.copyOf(given);
        }

        /** Without images a load gave: nothing to collect. */
        public Inputs(Optional<Map<String, String>> present, Map<ResourceId, Loaded> loaded, Map<ResourceId, String> errors) {
            this(present, loaded, errors, List.of(), Instant.EPOCH, DEFAULT_GRACE);
        }

        public static final Inputs NONE = new Inputs(Optional.empty(), Map.of(), Map.of());
    }

    /** How long an image a load gave stays once nothing references it (an apply that swaps images does not reload). */
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(10);

    /** The loads, the waits, and the collection of what loads gave and nothing references any more. */
    public static Result plan(DesiredState desired, Inputs in) {
        Result r = plan(desired, in.present(), in.loaded(), in.errors());
        if (in.given().isEmpty() || in.present().isEmpty()) return r;
        Map<String, String> present = in.present().get();
        var referenced = new java.util.TreeSet<String>();
        desired.containers().values().forEach(c -> Optional.ofNullable(present.get(c.spec().image())).ifPresent(referenced::add));
        desired.images().values().forEach(i -> Optional.ofNullable(present.get(i.ref())).ifPresent(referenced::add));
        desired.images().keySet().forEach(id -> Optional.ofNullable(in.loaded().get(id)).map(Loaded::imageId).ifPresent(referenced::add));
        var collect = ImageCollector.plan(in.given(), new java.util.TreeSet<>(present.values()), referenced, in.now(), in.grace());
        return new Result(r.loads(), r.waiting(), collect);
    }

    /**
     * {@code loaded}: each Image's recorded load; {@code errors}: each Image's last failed load, shown to the
     * containers that wait for it.
     */
    public static Result plan(DesiredState desired, Optional<Map<String, String>> present, Map<ResourceId, Loaded> loaded,
                              Map<ResourceId, String> errors) {
        if (desired.images().isEmpty() || present.isEmpty()) return Result.NONE; // nothing to load; what to collect is the caller's
        var loads = new ArrayList<Step.LoadImage>();
        var notReady = new TreeMap<String, String>(); // ref -> why it is not there
        for (AppImage i : desired.images().values()) {
            Optional<String> why = missing(i, present.get(), Optional.ofNullable(loaded.get(i.id())));
            if (why.isEmpty()) continue;
            loads.add(new Step.LoadImage(i.id(), i, why.get()));
            notReady.put(i.ref(), Optional.ofNullable(errors.get(i.id())).map(e -> notLoaded(i.ref(), e))
                    .orElse("image " + i.ref() + " is not loaded yet (Image " + i.id() + ": " + why.get() + ")"));
        }
        var waiting = new TreeMap<ResourceId, String>();
        for (Map.Entry<ResourceId, DesiredContainer> c : desired.containers().entrySet()) {
            String reason = notReady.get(c.getValue().spec().image());
            if (reason != null) waiting.put(c.getKey(), reason);
        }
        return new Result(loads, waiting);
    }

    /** Why a container waits for an Image whose load failed. */
    public static String notLoaded(String ref, String error) {
        return "image " + ref + " is not loaded: " + error;
    }

    private static Optional<String> missing(AppImage i, Map<String, String> present, Optional<Loaded> last) {
        if (last.isEmpty()) return Optional.of("never loaded");
        if (!last.get().sha256().equals(i.sha256())) return Optional.of("the spec names another archive (sha256 " + shortHash(i.sha256()) + ")");
        String now = present.get(i.ref());
        if (now == null) return Optional.of(i.ref() + " is not in podman's storage");
        if (!now.equals(last.get().imageId())) {
            return Optional.of(i.ref() + " names image " + shortHash(now) + ", not the loaded " + shortHash(last.get().imageId()));
        }
        return Optional.empty();
    }

    private static String shortHash(String hex) {
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }
}
