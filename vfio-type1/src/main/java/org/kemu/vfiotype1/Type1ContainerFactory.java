package org.kemu.vfiotype1;

import org.kemu.mmgup.MmGup;
import org.kemu.padatacore.Padata;
import org.kemu.schedfair.Kernel;

/** Opens {@link Type1Container}s; bound in {@link VfioType1Module}, override to swap the pin path. */
public interface Type1ContainerFactory {
    Type1Container open(Kernel kernel, MmGup mm, Padata padata, Type1Params params, PinConfig pin, Type1Costs costs);
}
