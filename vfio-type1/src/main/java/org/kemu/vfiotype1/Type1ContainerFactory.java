package org.kemu.vfiotype1;

import org.kemu.mmgup.MmGup;
import org.kemu.padatacore.Padata;
import org.kemu.schedfair.Kernel;

/** Opens {@link Type1Container}s; lab's composition root binds it; override to swap the type1 driver. */
public interface Type1ContainerFactory {
    /** {@code padata} may be null: a padata {@code pin} then gets padata with the 2022 series' features. */
    Type1Container open(Kernel kernel, MmGup mm, Padata padata, Type1Params params, PinConfig pin, Type1Costs costs);
}
