package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Task attachments: one value per key, replaced by a second attach, removed by attaching null. */
class TaskAttachmentTest {
    record A(int v) {}

    record B(int v) {}

    record C(int v) {}

    @Test
    void eachKeyHoldsItsLatestValueAndNullRemovesOnlyThatKey() {
        Kernel k = Backends.sim(1);
        Task t = k.spawn(TaskSpec.kthread("t"), () -> { });
        assertThat(t.attachment(A.class)).isNull();
        t.attach(A.class, new A(1));
        t.attach(B.class, new B(2));
        t.attach(C.class, new C(3));
        t.attach(B.class, new B(22));
        assertThat(t.attachment(A.class)).isEqualTo(new A(1));
        assertThat(t.attachment(B.class)).isEqualTo(new B(22));
        assertThat(t.attachment(C.class)).isEqualTo(new C(3));
        t.attach(A.class, null);
        t.attach(A.class, null); // removing an absent key changes nothing
        assertThat(t.attachment(A.class)).isNull();
        assertThat(t.attachment(B.class)).isEqualTo(new B(22));
        assertThat(t.attachment(C.class)).isEqualTo(new C(3));
        t.attach(C.class, null);
        assertThat(t.attachment(B.class)).isEqualTo(new B(22));
        assertThat(t.attachment(C.class)).isNull();
        k.run();
    }
}
