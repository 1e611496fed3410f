package spine.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything podman needs to create one container, with the envelope already resolved.
 * Its {@link #specHash()} covers exactly what a running container cannot change in place, so a
 * state change (start, pause) never recreates, while an image, command, env, network, limit or volume change does
 * (a volume's data stays: it lives on persist, not in the container).
 */
public record ContainerSpec(ResourceId id, String image, List<String> command, SortedMap<String, String> env,
                            NetworkMode network, Envelope limits, Optional<String> socket, boolean umbilical,
                            Optional<Integer> uid, boolean display, List<Volume> volumes) {
    public ContainerSpec {
        if (!id.kind().runsAsContainer()) throw new IllegalArgumentException(id + " is not a container kind");
        command = List.copyOf(command);
        env = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(env));
        volumes = List.copyOf(volumes);
    }

    /** Without volumes. */
    public ContainerSpec(ResourceId id, String image, List<String> command, SortedMap<String, String> env,
                         NetworkMode network, Envelope limits, Optional<String> socket, boolean umbilical,
                         Optional<Integer> uid, boolean display) {
        this(id, image, command, env, network, limits, socket, umbilical, uid, display, List.of());
    }

    /** A spec with no umbilical and the image's own user. */
    public ContainerSpec(ResourceId id, String image, List<String> command, SortedMap<String, String> env,
                         NetworkMode network, Envelope limits, Optional<String> socket) {
        this(id, image, command, env, network, limits, socket, false, Optional.empty(), false);
    }

    public static ContainerSpec of(Persona p, Envelope limits) {
        return new ContainerSpec(p.id(), p.image(), p.command(), p.env(), p.network(), limits, Optional.empty(),
                p.umbilical(), Optional.empty(), p.display(), p.volumes());
    }

    /** A tenant runs as its own unprivileged uid ({@link Tenant#uid()}), which owns its socket directory. */
    public static ContainerSpec of(Tenant t, Envelope limits) {
        return new ContainerSpec(t.id(), t.image(), t.command(), t.env(), NetworkMode.NONE, limits, Optional.of(t.socket()),
                false, Optional.of(t.uid()), false, t.volumes());
    }

    /** 16 hex digits of SHA-256 over a canonical, order-independent rendering of the spec. */
    public String specHash() {
        var sb = new StringBuilder();
        sb.append("v1\n");
        sb.append("kind=").append(id.kind().cliName()).append('\n');
        sb.append("image=").append(quote(image)).append('\n');
        sb.append("command=");
        for (String c : command) sb.append(quote(c)).append(',');
        sb.append('\n');
        env.forEach((k, v) -> sb.append("env.").append(quote(k)).append('=').append(quote(v)).append('\n'));
        sb.append("network=").append(network.word()).append('\n');
        sb.append("socket=").append(socket.map(ContainerSpec::quote).orElse("-")).append('\n');
        sb.append("cpu.max=").append(limits.cpuMax().map(java.math.BigDecimal::toPlainString).orElse("-")).append('\n');
        sb.append("cpu.weight=").append(limits.cpuWeight().map(String::valueOf).orElse("-")).append('\n');
        sb.append("memory.max=").append(limits.memoryMax().map(String::valueOf).orElse("-")).append('\n');
        sb.append("memory.swapMax=").append(limits.swapMax().map(String::valueOf).orElse("-")).append('\n');
        sb.append("oomScoreAdj=").append(limits.oomScoreAdj().map(String::valueOf).orElse("-")).append('\n');
        sb.append("pidsMax=").append(limits.pidsMax().map(String::valueOf).orElse("-")).append('\n');
        sb.append("noNewPrivileges=").append(limits.noNewPrivileges()).append('\n');
        // Written only when set, so the hash of every container that existed before these fields stays the same.
        if (umbilical) sb.append("umbilical=true\n");
        uid.ifPresent(u -> sb.append("uid=").append(u).append('\n'));
        if (display) sb.append("display=true\n");
        for (Volume v : volumes) {
            sb.append("volume.").append(quote(v.name())).append('=').append(quote(v.path())).append(',')
                    .append(v.size().map(String::valueOf).orElse("-")).append(',').append(v.readOnly() ? "ro" : "rw").append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
