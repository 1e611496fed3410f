package spine.controller.pid1;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;
import spine.model.boot.ModuleOrder;

/**
 * finit_module for each module /etc/spine/modules wants, each after its dependencies (modules.dep), on two threads:
 * modules that do not depend on each other load side by side. Returns when every load finished or timed out.
 */
final class ModuleLoader {
    private static final System.Logger LOG = System.getLogger("bay0");
    private static final int EEXIST = 17;
    /** The VM's two CPUs; a bigger machine gains little more, since modules.dep chains are short. */
    private static final int WORKERS = 2;

    private final BootContext boot;

    ModuleLoader(BootContext boot) {
        this.boot = boot;
    }

    void load(Duration timeout) {
        Kernel kernel = boot.kernel();
        Genesis genesis = boot.genesis();
        String release;
        Map<String, List<String>> deps;
        try {
            release = kernel.release();
            deps = kernel.moduleDeps(release);
        } catch (IOException e) {
            genesis.line("modules unavailable: " + e.getMessage());
            return;
        }
        Map<String, String> wanted = kernel.wantedModules(); // name -> parameters, read once
        ModuleOrder.Result plan = ModuleOrder.resolve(List.copyOf(wanted.keySet()), deps);
        plan.unknown().forEach(name -> genesis.line("module " + name + " not in modules.dep"));
        List<String> order = plan.load();
        // Each module waits for the ones modules.dep lists for it (the whole closure) and no other, so the virtio
        // chain and the ext4 chain load side by side: finit_module verifies, relocates and probes in the caller's
        // thread, and under TCG that is 1.2-1.6 s of boot one after another.
        var loaded = new java.util.HashMap<String, CompletableFuture<Void>>();
        try (ExecutorService workers = Executors.newFixedThreadPool(WORKERS, Thread.ofPlatform().daemon().name("module-", 0).factory())) {
            for (String rel : order) {
                CompletableFuture<?>[] first = deps.getOrDefault(rel, List.of()).stream().map(loaded::get)
                        .filter(java.util.Objects::nonNull).toArray(CompletableFuture[]::new);
                // a dependency that failed or timed out is logged on its own; the module still tries, as before
                loaded.put(rel, CompletableFuture.allOf(first).handle((v, e) -> null)
                        .thenRunAsync(() -> loadOne(kernel, genesis, release, rel, wanted.getOrDefault(ModuleOrder.name(rel), ""), timeout), workers));
            }
            CompletableFuture.allOf(loaded.values().toArray(CompletableFuture[]::new)).handle((v, e) -> null).join();
        }
        genesis.line("modules loaded count=" + order.size());
    }

    private void loadOne(Kernel kernel, Genesis genesis, String release, String rel, String params, Duration timeout) {
        long t0 = System.nanoTime();
        String name = ModuleOrder.name(rel);
        // Bounded too: a driver's probe can block in the kernel on a wedged device (virtio_blk reads the
        // partition table while loading), and PID 1 must go on without it.
        Bounded.Outcome<Syscalls.Result> load = Bounded.call("module-" + name, timeout,
                () -> boot.sys().finitModule(kernel.modulePath(release, rel), params));
        if (!load.ok()) {
            genesis.line("module " + name + " load " + load.failure() + "; continuing without waiting");
            return;
        }
        Syscalls.Result r = load.value().get();
        String outcome = r.ok() ? "loaded" : r.errno() == EEXIST ? "already loaded" : "failed " + r;
        LOG.log(System.Logger.Level.INFO, "module {0} {1} ms={2}", name, outcome, (System.nanoTime() - t0) / 1_000_000);
        if (!r.ok() && r.errno() != EEXIST) genesis.line("module " + name + " " + outcome);
    }
}
