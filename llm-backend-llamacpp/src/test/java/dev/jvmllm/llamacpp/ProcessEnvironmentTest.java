package dev.jvmllm.llamacpp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Before the first llama.cpp library is loaded, the backend puts OpenMP's waiting settings into
 * the process environment (b4916's libgomp reads them once, when it is loaded), unless the user
 * set them: checked in a child JVM started without them.
 */
class ProcessEnvironmentTest {
    @TempDir
    Path dir;

    @Test
    void setsOpenMpsWaitingBeforeLoadingTheLibrary() throws Exception {
        Map<String, String> environment = new HashMap<>();
        environment.put("OMP_WAIT_POLICY", null);
        environment.put("GOMP_SPINCOUNT", null);
        String output = ChildJvm.runExitCheck(dir, TestModels.random(dir), "close", Libraries.BUNDLED, environment);
        assertThat(output).contains("OMP_WAIT_POLICY=ACTIVE GOMP_SPINCOUNT=1000000");
    }

    @Test
    void leavesTheUsersChoiceAlone() throws Exception {
        Map<String, String> environment = new HashMap<>();
        environment.put("OMP_WAIT_POLICY", "PASSIVE");
        environment.put("GOMP_SPINCOUNT", null);
        String output = ChildJvm.runExitCheck(dir, TestModels.random(dir), "close", Libraries.BUNDLED, environment);
        assertThat(output).contains("OMP_WAIT_POLICY=PASSIVE GOMP_SPINCOUNT=1000000");
    }
}
