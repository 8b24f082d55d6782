package org.kemu.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * {@code guest-init --memcg-max} and {@code --helpers-active-memcg} (the RFC's TODO "Memory controller
 * limits for helpers via active_memcg", docs/kernel/padata.md section 3.1): the padata helpers that
 * fault a THP guest in allocate most of its page tables, which 5.14 charges to no group
 * ({@code memcg_kmem_bypass} for a kthread) and the switch charges to qemu's.
 */
class GuestInitMemcgTest {
    private static JsonNode run(String... extra) throws Exception {
        String[] base = {"guest-init", "--backing", "thp", "--mem", "2G", "--padata-threads", "4", "--no-baseline",
            "--format", "json"};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        CapturedRun r = CapturedRun.of(args);
        assertThat(r.rc()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void helpersPageTablesEscapeTheGroupUnlessTheSwitchIsOnAndALimitBetweenTheTwoFailsOnlyWithIt() throws Exception {
        JsonNode off = run("--memcg-max", "max").get("memcg");
        JsonNode on = run("--memcg-max", "max", "--helpers-active-memcg").get("memcg");
        long tables = off.get("pagetable_pages").asLong();
        // a 2 GiB THP guest: a deposited PTE page per 2 MiB, PMD pages per 1 GiB, PUD pages
        assertThat(tables).isGreaterThan(1024).isEqualTo(on.get("pagetable_pages").asLong());
        assertThat(off.get("pagetable_pages_charged").asLong()).isPositive().isLessThan(tables);
        assertThat(on.get("pagetable_pages_charged").asLong()).isEqualTo(tables);
        long escaped = tables - off.get("pagetable_pages_charged").asLong();
        assertThat(on.get("current_pages").asLong() - off.get("current_pages").asLong()).isEqualTo(escaped);

        // memory.max at what the run without the switch needed: it fits, the switch's run breaches it
        long limit = off.get("current_pages").asLong();
        JsonNode fits = run("--memcg-max", Long.toString(limit * 4096)).get("memcg");
        assertThat(fits.get("failcnt").asLong()).isZero();
        CapturedRun breach = CapturedRun.of("guest-init", "--backing", "thp", "--mem", "2G", "--padata-threads", "4",
                "--no-baseline", "--memcg-max", Long.toString(limit * 4096), "--helpers-active-memcg");
        assertThat(breach.rc()).isNotZero();
        assertThat(breach.err()).contains("ENOMEM (try_charge:memory.max)");
    }

    @Test
    void theSwitchWithoutAGroupIsRefused() {
        CapturedRun r = CapturedRun.of("guest-init", "--mem", "2G", "--helpers-active-memcg");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains("--helpers-active-memcg needs --memcg-max");
    }
}
