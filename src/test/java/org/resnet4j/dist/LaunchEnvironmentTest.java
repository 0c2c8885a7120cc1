package org.resnet4j.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LaunchEnvironmentTest {
    private static Map<String, String> torchrun(int rank, int world) {
        return new HashMap<>(LaunchEnvironment.variables(rank, world, rank % 2, 2, "10.0.0.1", 29500));
    }

    @Test
    void readsTorchrunsVariables() {
        LaunchEnvironment e = LaunchEnvironment.of(torchrun(3, 4)).orElseThrow();
        assertThat(e).isEqualTo(new LaunchEnvironment("torchrun", 3, 4, 1, 2, "10.0.0.1", 29500, false, 0));
        assertThat(e.servesStore()).isFalse();
        Map<String, String> agent = torchrun(0, 4);
        agent.put("TORCHELASTIC_USE_AGENT_STORE", "True");
        agent.put("TORCHELASTIC_RESTART_COUNT", "2");
        LaunchEnvironment a = LaunchEnvironment.of(agent).orElseThrow();
        assertThat(a.servesStore()).as("torchrun's agent serves the store").isFalse();
        assertThat(a.restart()).isEqualTo(2);
    }

    @Test
    void readsSlurmsVariables() {
        Map<String, String> env = Map.of("SLURM_PROCID", "5", "SLURM_NTASKS", "8", "SLURM_LOCALID", "1",
                "SLURM_TASKS_PER_NODE", "2(x3),2", "SLURM_NODEID", "2", "MASTER_ADDR", "node0", "MASTER_PORT", "1234");
        assertThat(LaunchEnvironment.of(env).orElseThrow()).isEqualTo(new LaunchEnvironment("slurm", 5, 8, 1, 2,
                "node0", 1234, false, 0));
        assertThat(LaunchEnvironment.of(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "1"))).as("one task").isEmpty();
    }

    @Test
    void noLaunchOrAWorldOfOneIsAProcessOnItsOwn() {
        assertThat(LaunchEnvironment.of(Map.of())).isEmpty();
        assertThat(LaunchEnvironment.of(LaunchEnvironment.variables(0, 1, 0, 1, "127.0.0.1", 29500))).isEmpty();
    }

    @Test
    void inconsistentLaunchesGetOneLineNamingTheVariable() {
        assertThatThrownBy(() -> LaunchEnvironment.of(torchrun(2, 2))).hasMessage(
                "RANK 2 is outside WORLD_SIZE 2 (ranks are 0..1)");
        Map<String, String> noWorld = torchrun(0, 2);
        noWorld.remove("WORLD_SIZE");
        assertThatThrownBy(() -> LaunchEnvironment.of(noWorld)).hasMessageContaining("WORLD_SIZE is not set");
        Map<String, String> noAddr = torchrun(0, 2);
        noAddr.remove("MASTER_ADDR");
        assertThatThrownBy(() -> LaunchEnvironment.of(noAddr)).hasMessageStartingWith("MASTER_ADDR is not set");
        Map<String, String> badPort = torchrun(0, 2);
        badPort.put("MASTER_PORT", "http");
        assertThatThrownBy(() -> LaunchEnvironment.of(badPort)).hasMessage("MASTER_PORT must be a whole number, got"
                + " 'http'");
        Map<String, String> slurm = Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2", "MASTER_PORT", "1");
        assertThatThrownBy(() -> LaunchEnvironment.of(slurm)).hasMessageContaining("export MASTER_ADDR");
    }

    @Test
    void launcherRefusesImpossibleLayouts() {
        assertThatThrownBy(() -> new Launcher(0, 1, 0, "127.0.0.1", 29500, java.time.Duration.ZERO))
                .hasMessageContaining("--nproc-per-node must be at least 1");
        assertThatThrownBy(() -> new Launcher(2, 2, 2, "127.0.0.1", 29500, java.time.Duration.ZERO))
                .hasMessageContaining("--node-rank 2 is outside --nnodes 2");
        assertThat(new Launcher(2, 3, 1, "a", 1, java.time.Duration.ZERO).worldSize()).isEqualTo(6);
    }
}
