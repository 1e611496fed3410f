package spine.controller.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import spine.controller.image.Candidate;
import spine.controller.image.Signing;
import spine.drivers.kernel.HostFile;

/**
 * {@code spine image}: an image archive against the integration contract ({@code verify}), and upgrade candidates:
 * a signing key pair ({@code keygen}), a signed manifest ({@code sign}) and the checks a machine makes before it
 * stages one ({@code check}).
 */
record ImageCommand(Machine m) {

    int image(Args args) throws UsageException {
        args.allowOnly(Command.IMAGE);
        String sub = args.positionals.isEmpty() ? "" : args.positionals.getFirst();
        return switch (sub) {
            case "verify" -> verify(args);
            case "keygen" -> keygen(args);
            case "sign" -> sign(args);
            case "check" -> check(args);
            default -> throw new UsageException("usage: spine " + Command.IMAGE.usage);
        };
    }

    private Path contract(Args args) {
        return args.one("--contract").map(Path::of).orElseGet(spine.controller.image.ImageVerifier::defaultContract);
    }

    private int verify(Args args) throws UsageException {
        if (args.positionals.size() != 2) throw new UsageException("usage: spine image verify IMG [--contract images/contract.yaml]");
        var image = Path.of(args.positionals.get(1));
        var contract = contract(args);
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

    private int keygen(Args args) throws UsageException {
        if (args.positionals.size() != 2) throw new UsageException("usage: spine image keygen DIR");
        Path dir = Path.of(args.positionals.get(1));
        Path key = dir.resolve("spine.key"), pub = dir.resolve("spine.pub");
        java.security.KeyPair pair;
        try {
            pair = Signing.writePair(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            m.err().println("spine: " + e.getFile());
            return ExitCode.INVALID;
        } catch (IOException e) {
            m.err().println("spine: cannot write the key pair in " + dir + ": " + e.getMessage());
            return ExitCode.UNAVAILABLE;
        }
        m.out().println("key " + Signing.keyId(pair.getPublic()) + ": " + key + " (private, 0600) and " + pub
                + " (copy it into a machine's " + m.host().path(HostFile.TRUST) + ")");
        return ExitCode.OK;
    }

    private int sign(Args args) throws UsageException {
        Optional<String> keyFile = args.one("--key"), version = args.one("--as");
        if (args.positionals.size() != 3 || keyFile.isEmpty() || version.isEmpty()) {
            throw new UsageException("usage: spine image sign --key KEY --as VERSION [--replaces VERSION] [--allow-yellow] KERNEL IMG");
        }
        Path key = Path.of(keyFile.get());
        Path pubFile = key.resolveSibling(key.getFileName().toString().replaceFirst("\\.key$", "") + ".pub");
        try {
            var priv = Signing.readPrivate(key);
            var pub = Signing.readPublic(pubFile);
            m.out().print(Candidate.sign(priv, pub, version.get(), args.one("--replaces"), contract(args),
                    Path.of(args.positionals.get(1)), Path.of(args.positionals.get(2)), args.flag("--allow-yellow")));
            return ExitCode.OK;
        } catch (IOException e) {
            m.err().println("spine: cannot sign: " + e.getMessage() + " (the public key is read from " + pubFile + ")");
            return ExitCode.INVALID;
        }
    }

    private int check(Args args) throws UsageException {
        if (args.positionals.size() != 2) {
            throw new UsageException("usage: spine image check MANIFEST [--trust DIR] [--allow-downgrade] [--contract C]");
        }
        Path manifest = Path.of(args.positionals.get(1));
        String running = args.one("--running").orElse(Cli.version());
        Candidate.Verdict v = Candidate.check(manifest, args.one("--trust").map(Path::of).orElseGet(() -> m.host().path(HostFile.TRUST)), running,
                args.flag("--allow-downgrade"), contract(args));
        return switch (v) {
            case Candidate.Verdict.Accepted a -> {
                m.out().println("candidate ok: version " + a.manifest().version() + " (hash " + a.hash() + ") signed by key " + a.keyId() + "; "
                        + a.manifest().artifacts().size() + " artifacts match; the image meets the contract");
                yield ExitCode.OK;
            }
            case Candidate.Verdict.Refused r -> {
                m.err().println("spine: refused (" + r.kind() + "): " + r.reason());
                yield r.kind().equals("unreadable") || r.kind().equals("malformed") ? ExitCode.INVALID : ExitCode.PENDING;
            }
        };
    }
}
