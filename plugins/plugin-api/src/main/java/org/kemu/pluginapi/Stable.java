package org.kemu.pluginapi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Part of the plugin SPI that keeps its shape across minor versions: plugins compiled against it keep
 * loading. Changes happen only by adding methods with defaults.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD})
public @interface Stable {
    /** The kemu version the element became stable in. */
    String since() default "0.1";
}
