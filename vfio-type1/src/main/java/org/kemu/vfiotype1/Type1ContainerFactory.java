package org.kemu.vfiotype1;

import org.kemu.mmgup.MmGup;
import org.kemu.padatacore.Padata;
import org.kemu.schedfair.Kernel;

/** Opens {@link Type1Container}s; lab's composition root binds it; override to swap the pin path. */
public interface Type1ContainerFactory {
    /** {@code gup} null: the flavour {@code pin} names. */
    Type1Container open(Kernel kernel, MmGup mm, org.kemu.mmgup.Gup gup, Padata padata, Type1Params params, PinConfig pin, Type1Costs costs);
}
