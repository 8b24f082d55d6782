package org.kemu.schedfair.internal;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Per-component random generators derived from one run seed. A component's stream depends only on
 * the seed and the component's name, never on the order in which components ask, so adding a
 * random consumer does not perturb the others.
 */
public final class SeededRandoms {
    private final long seed;

    public SeededRandoms(long seed) {
        this.seed = seed;
    }

    public RandomGenerator forComponent(String component) {
        long h = seed ^ 0x9E3779B97F4A7C15L;
        for (byte b : component.getBytes(StandardCharsets.UTF_8)) {
            h = EventHash.mix(h ^ (b & 0xff));
        }
        return new SplittableRandom(h);
    }
}
