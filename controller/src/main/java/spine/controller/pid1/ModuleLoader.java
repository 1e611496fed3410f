package spine.controller.pid1;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;
import spine.model.boot.ModuleOrder;

/** finit_module for each module /etc/spine/modules wants, with its dependencies first (modules.dep order). */
final class ModuleLoader {
    private static final System.Logger LOG = System.getLogger("bay0");
    private static final int EEXIST = 17;

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
        ModuleOrder.Result plan = ModuleOrder.resolve(kernel.wantedModules(), deps);
        plan.unknown().forEach(name -> genesis.line("module " + name + " not in modules.dep"));
        List<String> order = plan.load();
        for (String rel : order) {
            long t0 = System.nanoTime();
            String name = ModuleOrder.name(rel);
            // Bounded too: a driver's probe can block in the kernel on a wedged device (virtio_blk reads the
            // partition table while loading), and PID 1 must go on without it.
            Bounded.Outcome<Syscalls.Result> load = Bounded.call("module-" + name, timeout,
                    () -> boot.sys().finitModule(kernel.modulePath(release, rel), ""));
            if (!load.ok()) {
                genesis.line("module " + name + " load " + load.failure() + "; continuing without waiting");
                continue;
            }
            Syscalls.Result r = load.value().get();
            String outcome = r.ok() ? "loaded" : r.errno() == EEXIST ? "already loaded" : "failed " + r;
            LOG.log(System.Logger.Level.INFO, "module {0} {1} ms={2}", name, outcome, (System.nanoTime() - t0) / 1_000_000);
            if (!r.ok() && r.errno() != EEXIST) genesis.line("module " + name + " " + outcome);
        }
        genesis.line("modules loaded count=" + order.size());
    }
}
