package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NumbersTest {
    @Test
    void tablesShowFourSignificantDigitsWithoutExponents() {
        // the values issue 16 quotes: 1.20000e-06, 0.000154200, 172.164
        assertThat(Numbers.table(1.2e-6)).isEqualTo("0.000001200");
        assertThat(Numbers.table(0.0001542)).isEqualTo("0.0001542");
        assertThat(Numbers.table(172.164)).isEqualTo("172.2");
        assertThat(Numbers.table(26.66)).isEqualTo("26.66");
        assertThat(Numbers.table(1)).isEqualTo("1.000");
        assertThat(Numbers.table(2.4)).isEqualTo("2.400");
        assertThat(Numbers.table(12345.6)).isEqualTo("12350");
        assertThat(Numbers.table(0)).isEqualTo("0");
        assertThat(Numbers.table(-0.004705)).isEqualTo("-0.004705");
        assertThat(Numbers.table(Double.NaN)).isEqualTo("n/a");
        assertThat(Numbers.times(11.5714)).isEqualTo("11.57x");
    }

    @Test
    void csvIsPlainAndExact() {
        assertThat(Numbers.csv(3332671800L / 1e9)).isEqualTo("3.3326718");
        assertThat(Numbers.csv(20 / 1e9)).isEqualTo("0.00000002");
        assertThat(Numbers.csv(1.2e-6)).isEqualTo("0.0000012");
        assertThat(Numbers.csv(16.0)).isEqualTo("16");
        assertThat(Numbers.csv(0.0)).isEqualTo("0");
        assertThat(Numbers.csv(1e22)).isEqualTo("10000000000000000000000");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void csvRoundTripsEveryDouble(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < 10_000; i++) {
            // whole nanoseconds as seconds, the CSV's usual values, and arbitrary doubles over a wide range
            double ns = rnd.nextLong(0, 1L << 50) / 1e9;
            double any = Math.scalb(rnd.nextDouble(), rnd.nextInt(-60, 60)) * (rnd.nextBoolean() ? 1 : -1);
            for (double d : new double[] {ns, any}) {
                String s = Numbers.csv(d);
                assertThat(Double.parseDouble(s)).as(s).isEqualTo(d);
                assertThat(s).doesNotContain("E", "e");
                assertThat(s.contains(".") && s.endsWith("0")).as(s).isFalse();
            }
        }
    }
}
