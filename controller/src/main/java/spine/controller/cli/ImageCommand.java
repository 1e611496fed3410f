package spine.controller.cli;

import java.io.IOException;
import java.nio.file.Path;

/** {@code spine image verify}: an image archive against the integration contract. */
record ImageCommand(Machine m) {
    int image(Args args) throws UsageException {
        args.allowOnly(Command.IMAGE);
        if (args.positionals.size() != 2 || !args.positionals.getFirst().equals("verify")) {
            throw new UsageException("usage: spine image verify IMG [--contract images/contract.yaml]");
        }
        var image = Path.of(args.positionals.get(1));
        var contract = Path.of(args.one("--contract").orElse("images/contract.yaml"));
        try {
            var breaches = spine.controller.image.ImageVerifier.verify(image, contract);
            breaches.forEach(m.out()::println);
            if (breaches.isEmpty()) m.out().println("integration ok: " + image + " meets " + contract);
            return breaches.isEmpty() ? ExitCode.OK : ExitCode.PENDING;
        } catch (IOException e) {
            m.err().println("spine: cannot verify " + image + ": " + e.getMessage());
            return ExitCode.INVALID;
        }
    }
}
