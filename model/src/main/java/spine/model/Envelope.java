package spine.model;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * Resource limits shared by name. Every limit is optional; {@code noNewPrivileges} defaults to true.
 * Memory figures are bytes; {@code cpuMax} is a count of CPUs such as 0.5.
 */
public record Envelope(ResourceId id, Optional<BigDecimal> cpuMax, Optional<Integer> cpuWeight,
                       Optional<Long> memoryMax, Optional<Long> swapMax, Optional<Integer> oomScoreAdj,
                       Optional<Integer> pidsMax, boolean noNewPrivileges) implements Spec {
    public Envelope {
        if (id.kind() != Kind.ENVELOPE) throw new IllegalArgumentException("not an envelope name: " + id);
        cpuMax = cpuMax.map(BigDecimal::stripTrailingZeros);
    }

    /** The envelope used when a persona or tenant names none: no limits beyond no-new-privileges. */
    public static Envelope unlimited() {
        return new Envelope(ResourceId.envelope("default"), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), true);
    }
}
