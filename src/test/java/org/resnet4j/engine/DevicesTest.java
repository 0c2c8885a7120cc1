package org.resnet4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.resnet4j.config.Settings;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;

/** Device choice and resolution, as far as a machine without CUDA shows them (CUDA itself: CudaDeviceTest). */
class DevicesTest {

    @Test
    void choicesParse() {
        assertThat(DeviceChoice.parse("cpu")).isEqualTo(DeviceChoice.CPU);
        assertThat(DeviceChoice.parse("AUTO")).isEqualTo(DeviceChoice.AUTO);
        assertThat(DeviceChoice.parse("cuda")).isEqualTo(DeviceChoice.cuda(0));
        assertThat(DeviceChoice.parse("cuda:3")).isEqualTo(DeviceChoice.cuda(3));
        assertThat(DeviceChoice.parse("cuda:3")).hasToString("cuda:3");
        assertThat(DeviceChoice.parse("cuda")).hasToString("cuda:0");
        assertThat(Settings.defaults(EngineSettings.class).device()).isEqualTo(DeviceChoice.AUTO);
    }

    @Test
    void badChoicesSayWhatIsExpectedInOneLine() {
        for (String bad : List.of("cuda:x", "tpu", "cuda:", "cuda:-1", "cuda:128", "cuda:1:2", "", "cpu:0", "gpu")) {
            assertThatThrownBy(() -> DeviceChoice.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("'" + bad + "' is not a device: use cpu, cuda, cuda:N (N = 0, 1, ...) or auto");
        }
        assertThatThrownBy(() -> Settings.parse(List.of(EngineSettings.class), "--device", "tpu"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'tpu' is not a device");
    }

    @Test
    void cpuResolvesToTheCpuWithoutANote() {
        List<String> notes = new ArrayList<>();
        assertThat(Devices.resolve(DeviceChoice.CPU, notes::add)).isEqualTo(ComputeDevice.CPU);
        assertThat(notes).isEmpty();
        assertThat(ComputeDevice.CPU.distributedBackend()).isEqualTo("gloo");
        assertThat(ComputeDevice.cuda(1).distributedBackend()).isEqualTo("nccl");
        assertThat(ComputeDevice.cuda(1)).hasToString("cuda:1");
    }

    @Test
    void withoutCudaAutoFallsBackToTheCpuSayingWhyAndCudaIsRefused() {
        Assumptions.assumeTrue(Devices.cudaDeviceCount() == 0, "a CUDA device is present");
        List<String> notes = new ArrayList<>();
        assertThat(Devices.resolve(DeviceChoice.AUTO, notes::add)).isEqualTo(ComputeDevice.CPU);
        assertThat(notes).hasSize(1);
        assertThat(notes.get(0)).startsWith("--device auto: ").endsWith("; running on the CPU");
        for (DeviceChoice c : List.of(DeviceChoice.cuda(0), DeviceChoice.cuda(5))) {
            assertThatThrownBy(() -> Devices.resolve(c, notes::add)).isInstanceOf(DeviceUnavailableException.class)
                    .hasMessageStartingWith("--device " + c + ": ")
                    .hasMessageContaining(Devices.cudaBuild() ? "no CUDA device" : Devices.gpuNativesPresent()
                            ? "did not load" : "CPU-only")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void infoSaysWhatThereIs() {
        var info = Devices.describe();
        assertThat(info).containsKeys("cuda_build", "cuda", "cudnn", "devices", "dist_backend");
        assertThat((List<?>) info.get("devices")).first().isEqualTo("cpu");
        if (!Devices.cudaBuild() && !Devices.gpuNativesPresent()) {
            assertThat(info.get("cuda").toString()).startsWith("none (CPU-only build");
            assertThat(info.get("devices")).isEqualTo(List.of("cpu"));
        }
    }

    @Test
    void versionsReadAsCudaAndCudnnWriteThem() {
        assertThat(Devices.version(12040, 1000, 10)).isEqualTo("12.4");
        assertThat(Devices.version(90100, 10000, 100)).isEqualTo("9.1.0");
    }

    @Test
    void onTheCpuTensorsAndModulesStayWhereTheyAre() {
        Engine.start();
        ResNet net = ResNets.create(ModelOptions.of("resnet20"));
        assertThat(ComputeDevice.of(net)).isEqualTo(ComputeDevice.CPU);
        ComputeDevice.CPU.move(net);
        Tensor t = Tensors.fromFloats(new float[] {1, 2}, 2);
        assertThat(ComputeDevice.CPU.put(t).address()).isEqualTo(t.address());
        assertThat(ComputeDevice.toHost(t).address()).isEqualTo(t.address());
    }

    @Test
    void fp16IsForCuda() {
        assertThatThrownBy(() -> Precision.FP16.requireSupportedOn(ComputeDevice.CPU))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--precision fp16 needs a CUDA device (fp16 autocast with loss scaling); on the CPU use"
                        + " --precision bf16");
        assertThat(Precision.BF16.requireSupportedOn(ComputeDevice.CPU)).isEqualTo(Precision.BF16);
        assertThat(Precision.FP16.requireSupportedOn(ComputeDevice.cuda(0))).isEqualTo(Precision.FP16);
    }
}
