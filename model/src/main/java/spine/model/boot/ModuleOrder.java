package spine.model.boot;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which module files to load, in which order, for a list of wanted module names and a parsed modules.dep.
 * modules.dep lists a module's dependencies so that the last one must load first; each appears once.
 */
public final class ModuleOrder {
    /** The files to load in order, and the wanted names modules.dep does not know. */
    public record Result(List<String> load, List<String> unknown) {
        public Result {
            load = List.copyOf(load);
            unknown = List.copyOf(unknown);
        }
    }

    private ModuleOrder() {}

    public static Result resolve(List<String> wanted, Map<String, List<String>> deps) {
        var order = new LinkedHashSet<String>();
        var unknown = new ArrayList<String>();
        for (String name : wanted) {
            Optional<String> path = deps.keySet().stream().filter(p -> name(p).equals(name)).findFirst();
            if (path.isEmpty()) {
                unknown.add(name);
                continue;
            }
            List<String> d = new ArrayList<>(deps.get(path.get()));
            java.util.Collections.reverse(d);
            order.addAll(d);
            order.add(path.get());
        }
        return new Result(new ArrayList<>(order), unknown);
    }

    /** Parses modules.dep text: module path to its dependencies, paths relative to /lib/modules/<release>. */
    public static Map<String, List<String>> parseDeps(String text) {
        var out = new java.util.TreeMap<String, List<String>>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String rest = line.substring(colon + 1).trim();
            out.put(line.substring(0, colon), rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
        }
        return out;
    }

    /** "kernel/fs/ext4/ext4.ko" is ext4; dashes and underscores are the same to the kernel. */
    public static String name(String relPath) {
        String f = relPath.substring(relPath.lastIndexOf('/') + 1);
        int ko = f.indexOf(".ko");
        return (ko < 0 ? f : f.substring(0, ko)).replace('-', '_');
    }
}
