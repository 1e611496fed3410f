package spine.controller.cli;

import java.util.ArrayList;
import java.util.List;

import spine.controller.state.SpecFiles;
import spine.model.DesiredState;
import spine.model.Spec;
import spine.model.spec.SpecBatch;
import spine.model.spec.SpecError;
import spine.model.spec.SpecParser;

/** Reads and validates every -f input against the stored intent before anything is written. */
record SpecInput(List<SpecParser.Located> specs, List<SpecError> errors) {
    static SpecInput read(List<String> paths) {
        SpecFiles.Read read = SpecFiles.read(paths);
        var errors = new ArrayList<>(read.errors());
        var specs = new ArrayList<SpecParser.Located>();
        for (SpecFiles.Source s : read.sources()) {
            SpecParser.Result r = SpecParser.parse(s.name(), s.text());
            errors.addAll(r.errors());
            specs.addAll(r.specs());
        }
        if (errors.isEmpty() && specs.isEmpty()) {
            errors.add(new SpecError(String.join(",", paths), 1, 1, "no spec documents found; each needs apiVersion, kind, metadata and spec"));
        }
        return new SpecInput(specs, errors);
    }

    SpecInput checkedAgainst(DesiredState stored) {
        var all = new ArrayList<>(errors);
        if (errors.isEmpty()) all.addAll(SpecBatch.check(specs, stored));
        all.sort(null);
        return new SpecInput(specs, all);
    }

    List<Spec> values() {
        return specs.stream().map(SpecParser.Located::spec).toList();
    }
}
