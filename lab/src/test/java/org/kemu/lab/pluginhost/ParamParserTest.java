package org.kemu.lab.pluginhost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kemu.pluginapi.PluginParam;

class ParamParserTest {
    @Test
    void sizesTakeBinarySuffixes() {
        assertThat(ParamParser.parseSize("4096")).isEqualTo(4096);
        assertThat(ParamParser.parseSize("2M")).isEqualTo(2L << 20);
        assertThat(ParamParser.parseSize("1GiB")).isEqualTo(1L << 30);
        assertThat(ParamParser.parseSize("3t")).isEqualTo(3L << 40);
        assertThatThrownBy(() -> ParamParser.parseSize("-1K")).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void choicesAndBooleans() {
        PluginParam c = PluginParam.ofChoice("page-size", "2M", "", "2M", "1G");
        assertThat(ParamParser.parse(c, "1G")).isEqualTo("1G");
        assertThatThrownBy(() -> ParamParser.parse(c, "4M")).hasMessageContaining("is not one of [2M, 1G]");
        PluginParam b = PluginParam.ofBoolean("numa-aware", true, "");
        assertThat(ParamParser.parse(b, "off")).isEqualTo(false);
        assertThatThrownBy(() -> ParamParser.parse(b, "maybe")).hasMessageContaining("'numa-aware'");
    }
}
