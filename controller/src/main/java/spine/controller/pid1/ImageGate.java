package spine.controller.pid1;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

import spine.drivers.ContainerRuntime;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;

/**
 * bay0's container runtime: the loop's machinery behind the built-in images' gate. Until they are placed, at most a
 * bound, a step that creates a container first asks for their placement (which begins it, once) and waits: bay0 places
 * them when the loop first needs them, which only a new container does (starting one that exists does not). Past the
 * bound the step goes ahead, and a missing image fails it like any podman error. Every failed run or start is told to
 * the images with the image it ran.
 */
final class ImageGate implements ContainerRuntime {
    private static final System.Logger LOG = System.getLogger("loop");

    private final ContainerRuntime inner;
    private final Runnable demand;
    private final CompletableFuture<?> placed;
    private final Duration bound;
    private final BiConsumer<String, String> onFailure;
    /** podman's last answer: a start names the image its container runs. */
    private volatile ObservedState last = ObservedState.empty();

    /**
     * {@code demand} begins the placement (once), {@code placed} is done when it ended, {@code onFailure} hears each
     * failed run or start: the image and the reason ({@link BuiltinImages#begin}, {@link BuiltinImages#placed},
     * {@link BuiltinImages#suspect}).
     */
    ImageGate(ContainerRuntime inner, Runnable demand, CompletableFuture<?> placed, Duration bound, BiConsumer<String, String> onFailure) {
        this.inner = inner;
        this.demand = demand;
        this.placed = placed;
        this.bound = bound;
        this.onFailure = onFailure;
    }

    @Override
    public Observation observe() {
        Observation o = inner.observe();
        if (o.ok()) last = o.state();
        return o;
    }

    @Override
    public StepResult apply(Step step) {
        return switch (step) {
            case Step.RunContainer s -> {
                awaitImages(s.target());
                yield told(Optional.of(s.container().image()), inner.apply(s));
            }
            case Step.StartContainer s -> told(imageOf(s.target()), inner.apply(s));
            default -> inner.apply(step);
        };
    }

    @Override
    public Optional<Map<String, String>> imageIds() {
        return inner.imageIds();
    }

    @Override
    public Map<ResourceId, StepResult> startAll(List<Step.StartContainer> steps) {
        var results = new LinkedHashMap<ResourceId, StepResult>();
        inner.startAll(steps).forEach((target, r) -> results.put(target, told(imageOf(target), r)));
        return results;
    }

    /** {@code r} as it is, after telling the images when it is a failure. */
    private StepResult told(Optional<String> image, StepResult r) {
        if (r instanceof StepResult.Failed f && image.isPresent()) onFailure.accept(image.get(), f.reason());
        return r;
    }

    private Optional<String> imageOf(ResourceId target) {
        return Optional.ofNullable(last.spine().get(target)).map(ObservedContainer::image);
    }

    private void awaitImages(ResourceId target) {
        if (placed.isDone()) return;
        demand.run();
        long t0 = System.nanoTime();
        try {
            placed.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            LOG.log(System.Logger.Level.INFO, "run waited for the built-in images target={0} ms={1}", target, (System.nanoTime() - t0) / 1_000_000);
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "run goes ahead without the built-in images target={0} waited_ms={1}", target, bound.toMillis());
        } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "run goes ahead: placing the built-in images failed target={0} error=\"{1}\"", target, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
