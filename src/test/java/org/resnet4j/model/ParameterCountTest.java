package org.resnet4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The parameter counts of DESIGN.md section 2 (and PyTorch's for the variants it does not list). */
class ParameterCountTest {

    @ParameterizedTest(name = "{0} with {1} classes has {2} parameters")
    @CsvSource({
        "resnet18, 10, 11173962",
        "imagenet_resnet18, 1000, 11689512",
        "imagenet_resnet34, 1000, 21797672",
        "imagenet_resnet50, 1000, 25557032",
        "imagenet_resnet101, 1000, 44549160",
        "imagenet_resnet152, 1000, 60192808",
        "resnet20, 10, 269722",
        "resnet32, 10, 464154",
        "resnet44, 10, 658586",
        "resnet56, 10, 853018",
        "resnet110, 10, 1727962",
        "resnet1202, 10, 19421274",
        "plain20, 10, 269722",
        "plain32, 10, 464154",
        "plain44, 10, 658586",
        "plain56, 10, 853018",
        "plain110, 10, 1727962",
    })
    void designCounts(String name, int classes, long expected) {
        ResNet net = ResNets.create(ModelOptions.of(name).withClasses(classes));
        assertThat(net.parameterCount()).isEqualTo(expected);
    }

    /** Counts of the PyTorch equivalents in tools/reference_models.py, which DESIGN.md does not list. */
    @ParameterizedTest(name = "{0} has {1} parameters, as its PyTorch equivalent")
    @CsvSource({
        "resnet34, 21282122",
        "resnet50, 23520842",
        "resnet101, 42512970",
        "resnet152, 58156618",
        "preact_resnet18, 11172170",
        "preact_resnet34, 21280330",
        "preact_resnet50, 23513162",
        "preact_resnet20, 272282",
        "preact_resnet110, 1730522",
        "preact_resnet164, 1703258",
        "resnet9, 6573130",
    })
    void pytorchEquivalentCounts(String name, long expected) {
        assertThat(ResNets.create(name).parameterCount()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} option B has {1} parameters")
    @CsvSource({"resnet20, 272474"})
    void optionB(String name, long expected) {
        ResNet net = ResNets.create(ModelOptions.of(name).withShortcut(Shortcut.B));
        assertThat(net.parameterCount()).isEqualTo(expected);
    }
}
