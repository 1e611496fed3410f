package spine.model.image;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import spine.model.ResourceId;
import spine.model.Step;

/**
 * Decides which images an Image's load gave are garbage: one that no intent references (no container's image, no
 * Image's ref names it) for longer than the grace is removed, so an apply that swaps an app's archive does not reload
 * the old one a moment later, and an app's old versions do not fill the disk. Only images a load gave are ever
 * collected: the built-in images and a build host's own images are not Spine's to remove. Pure: the loop asks podman
 * and the state package, runs the removals and writes the marks.
 */
public final class ImageCollector {
    private ImageCollector() {}

    /** An image a load gave: its id, the Image whose load gave it, that ref, and since when nothing references it. */
    public record Given(String imageId, ResourceId image, String ref, Optional<Instant> unreferencedSince) {}

    /**
     * The removals due, and the marks to write: an id to the time it became unreferenced, or empty when it is
     * referenced again (or gone from storage, when {@link #forget} holds it).
     */
    public record Result(List<Step.RemoveImage> removals, Map<String, Optional<Instant>> marks, List<String> forget) {
        public Result {
            removals = List.copyOf(removals);
            marks = Map.copyOf(marks);
            forget = List.copyOf(forget);
        }

        public static final Result NONE = new Result(List.of(), Map.of(), List.of());
    }

    /**
     * {@code present}: the image ids in podman's storage; {@code referenced}: the ids intent references (what podman's
     * names for the containers' images and the Images' refs resolve to, and each Image's recorded load).
     */
    public static Result plan(List<Given> given, Set<String> present, Set<String> referenced, Instant now, Duration grace) {
        var removals = new ArrayList<Step.RemoveImage>();
        var marks = new TreeMap<String, Optional<Instant>>();
        var forget = new ArrayList<String>();
        for (Given g : given) {
            if (!present.contains(g.imageId())) {
                forget.add(g.imageId()); // removed by someone else, or by an earlier pass: nothing to collect
            } else if (referenced.contains(g.imageId())) {
                if (g.unreferencedSince().isPresent()) marks.put(g.imageId(), Optional.empty());
            } else if (g.unreferencedSince().isEmpty()) {
                marks.put(g.imageId(), Optional.of(now));
            } else if (!g.unreferencedSince().get().plus(grace).isAfter(now)) {
                removals.add(new Step.RemoveImage(g.image(), g.imageId(), "loaded for " + g.ref() + "; nothing has referenced it since "
                        + g.unreferencedSince().get() + " (grace " + grace + ")"));
            }
        }
        return new Result(removals, marks, forget);
    }
}
