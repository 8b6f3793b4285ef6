package dev.jvmllm.examples.deploy;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.jvmllm.examples.cli.LlmCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * deploy/kubernetes, offline: every manifest parsed into fabric8's Kubernetes model strictly (a
 * field the API does not have is an error, never dropped), then checked for what the server
 * needs: its probes, port, command line, security context, model mount, shutdown grace, and the
 * Service, PodDisruptionBudget and HorizontalPodAutoscaler pointing at the Deployment's pods.
 *
 * <p>fabric8's model classes keep unknown fields in a {@code @JsonAnySetter additionalProperties}
 * map, so {@code FAIL_ON_UNKNOWN_PROPERTIES} alone would accept {@code readinesProbe}. The strict
 * mapper removes every bean's any-setter, which makes an unknown field an
 * {@link UnrecognizedPropertyException} naming it; and every parsed object is walked to check that
 * no {@code additionalProperties} map holds anything, as a second line.
 */
class KubernetesManifestsTest {
    /** {@code LlmServer.Builder}'s default shutdown grace, which {@code ./llm serve} uses. */
    private static final int SERVER_SHUTDOWN_GRACE_SECONDS = 30;
    private static final int SERVER_PORT = 8080;
    private static final String QUEUE_DEPTH_METRIC = "jvmllm_queue_depth";

    private static final Path DIRECTORY = manifestDirectory();

    /**
     * The mapper for manifests: no unknown field, no duplicate key. (Not FAIL_ON_TRAILING_TOKENS:
     * fabric8's Quantity deserializer reads its value with the mapper's readTree, mid-document;
     * {@link #parse} counts the documents instead.)
     */
    private static final ObjectMapper STRICT = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .addModule(new SimpleModule("no-additional-properties").setDeserializerModifier(
                    new BeanDeserializerModifier() {
                        @Override
                        public BeanDeserializerBuilder updateBuilder(DeserializationConfig config,
                                BeanDescription beanDesc, BeanDeserializerBuilder builder) {
                            // fabric8's @JsonAnySetter would take any unknown field: without it,
                            // FAIL_ON_UNKNOWN_PROPERTIES applies
                            builder.setAnySetter(null);
                            return builder;
                        }
                    }))
            .build();

    /** The model class of each apiVersion and kind the folder may hold. */
    private static final Map<String, Class<?>> MODEL_CLASSES = Map.of(
            "apps/v1 Deployment", Deployment.class,
            "v1 Service", Service.class,
            "policy/v1 PodDisruptionBudget", PodDisruptionBudget.class,
            "autoscaling/v2 HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "kustomize.config.k8s.io/v1beta1 Kustomization", Kustomization.class);

    /** What kustomization.yaml may say; any other field fails the strict parse. */
    record Kustomization(String apiVersion, String kind, List<String> resources) {
    }

    @Test
    void everyManifestParsesStrictlyIntoTheKubernetesModel() throws IOException {
        List<Path> files = yamlFiles();
        assertThat(files).extracting(file -> file.getFileName().toString()).contains("deployment.yaml",
                "service.yaml", "pdb.yaml", "hpa.yaml", "kustomization.yaml");
        for (Path file : files) {
            Object parsed = parse(read(file), file.getFileName().toString());
            assertThat(unknownFields(parsed, "")).as("fields of %s outside the Kubernetes API", file.getFileName())
                    .isEmpty();
        }
    }

    @Test
    void kustomizationListsEveryManifestInTheFolder() {
        Kustomization kustomization = load("kustomization.yaml", Kustomization.class);
        assertThat(kustomization.resources()).doesNotHaveDuplicates();
        Set<String> manifests = yamlFiles().stream().map(file -> file.getFileName().toString())
                .filter(name -> !name.equals("kustomization.yaml")).collect(Collectors.toCollection(TreeSet::new));
        assertThat(new TreeSet<>(kustomization.resources())).isEqualTo(manifests);
    }

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource({
            "deployment.yaml, 'readinessProbe:', 'readinesProbe:'",
            "deployment.yaml, 'readOnlyRootFilesystem:', 'readonlyRootFilesystem:'",
            "deployment.yaml, 'terminationGracePeriodSeconds:', 'terminationGracePeriod:'",
            "service.yaml, 'targetPort:', 'targetport:'",
            "pdb.yaml, 'maxUnavailable:', 'maxUnavailabe:'",
            "hpa.yaml, 'averageValue:', 'averageValu:'",
            "kustomization.yaml, 'resources:', 'resource:'",
    })
    void aMisspelledFieldIsRefused(String file, String field, String misspelled) {
        String text = read(DIRECTORY.resolve(file));
        assertThat(text).contains(field);
        String broken = text.replaceFirst(Pattern.quote(field), misspelled);
        String name = misspelled.substring(0, misspelled.length() - 1);
        assertThatThrownBy(() -> parse(broken, file))
                .isInstanceOf(UnrecognizedPropertyException.class)
                .hasMessageContaining("\"" + name + "\"");
    }

    @Test
    void aDuplicateKeyIsRefused() {
        String text = read(DIRECTORY.resolve("service.yaml")).replace("  type: ClusterIP\n",
                "  type: ClusterIP\n  type: NodePort\n");
        assertThatThrownBy(() -> parse(text, "service.yaml")).hasMessageContaining("Duplicate field 'type'");
    }

    /** Why the any-setter goes: fabric8 as it comes keeps a misspelled field, and the walk finds it. */
    @Test
    void fabric8AloneKeepsUnknownFieldsWhereTheWalkFindsThem() throws IOException {
        ObjectMapper lenient = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        String text = read(DIRECTORY.resolve("deployment.yaml")).replace("readinessProbe:", "readinesProbe:");
        Deployment deployment = lenient.readValue(text, Deployment.class);
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getReadinessProbe()).isNull();
        assertThat(unknownFields(deployment, "")).containsExactly(".spec.template.spec.containers[0].readinesProbe");
    }

    @Test
    void theServerIsProbedOnReadyAndHealth() {
        Container server = serverContainer();
        assertThat(server.getPorts()).extracting(ContainerPort::getContainerPort).containsExactly(SERVER_PORT);

        HTTPGetAction readiness = server.getReadinessProbe().getHttpGet();
        assertThat(readiness.getPath()).isEqualTo("/ready");
        assertThat(resolvePort(server, readiness.getPort())).isEqualTo(SERVER_PORT);
        assertThat(server.getReadinessProbe().getPeriodSeconds()).isBetween(1, 15);

        HTTPGetAction liveness = server.getLivenessProbe().getHttpGet();
        assertThat(liveness.getPath()).isEqualTo("/health");
        assertThat(resolvePort(server, liveness.getPort())).isEqualTo(SERVER_PORT);
        // /health is 503 while draining: liveness failures must not end the drain before its grace
        assertThat((server.getLivenessProbe().getFailureThreshold() - 1) * server.getLivenessProbe().getPeriodSeconds())
                .isGreaterThanOrEqualTo(SERVER_SHUTDOWN_GRACE_SECONDS);
        // liveness is slower to give up than readiness: a busy server is taken out, not killed
        assertThat(server.getLivenessProbe().getFailureThreshold() * server.getLivenessProbe().getPeriodSeconds())
                .isGreaterThan(server.getReadinessProbe().getFailureThreshold()
                        * server.getReadinessProbe().getPeriodSeconds());

        // the model loads before the server listens: the startup probe waits for it, on /health
        HTTPGetAction startup = server.getStartupProbe().getHttpGet();
        assertThat(startup.getPath()).isEqualTo("/health");
        assertThat(resolvePort(server, startup.getPort())).isEqualTo(SERVER_PORT);
        assertThat(server.getStartupProbe().getFailureThreshold() * server.getStartupProbe().getPeriodSeconds())
                .as("seconds allowed for loading the model").isGreaterThanOrEqualTo(120);
    }

    @Test
    void theContainerRunsLlmServeWithOptionsItAccepts() {
        Container server = serverContainer();
        assertThat(server.getImage()).isEqualTo("jvmllm:0.1.0");
        assertThat(server.getCommand()).first().isEqualTo("java");
        assertThat(server.getCommand()).contains("--enable-native-access=ALL-UNNAMED").containsSubsequence("-jar",
                "/app/llm.jar");
        // the arguments parse as the llm command line itself: no option it lacks, no bad value
        ParseResult parsed = new CommandLine(new LlmCommand()).parseArgs(server.getArgs().toArray(String[]::new));
        assertThat(parsed.subcommand()).isNotNull();
        ParseResult serve = parsed.subcommand();
        assertThat(serve.commandSpec().name()).isEqualTo("serve");
        assertThat(serve.<Path>matchedOptionValue("--model", null)).isEqualTo(Path.of("/models/model.gguf"));
        assertThat(serve.<String>matchedOptionValue("--host", null)).isEqualTo("0.0.0.0");
        assertThat(serve.<Integer>matchedOptionValue("--port", null)).isEqualTo(SERVER_PORT);
        // the KV cache is --parallel × --context: never the model's whole trained context by default
        assertThat(serve.<Integer>matchedOptionValue("--context", 0)).isPositive();
        assertThat(serve.<Integer>matchedOptionValue("--parallel", 0)).isPositive();
        assertThat(serve.hasMatchedOption("--api-key")).as("the key comes from the Secret, not the arguments")
                .isFalse();
        // llama.cpp's threads are the CPUs the container may use
        int threads = serve.matchedOptionValue("--threads", 0);
        assertThat(threads).isPositive();
        assertThat(Quantity.getAmountInBytes(server.getResources().getLimits().get("cpu")))
                .isEqualByComparingTo(Integer.toString(threads));

        EnvVar apiKey = server.getEnv().stream().filter(env -> env.getName().equals("LLM_API_KEY")).findFirst()
                .orElseThrow();
        assertThat(apiKey.getValue()).isNull();
        assertThat(apiKey.getValueFrom().getSecretKeyRef().getName()).isNotBlank();
        assertThat(apiKey.getValueFrom().getSecretKeyRef().getOptional()).isNotEqualTo(Boolean.TRUE);
    }

    @Test
    void theContainerRunsAsNonRootOnAReadOnlyFilesystem() {
        PodSpec pod = podSpec();
        Container server = serverContainer();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(server.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(server.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(server.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(server.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(server.getSecurityContext().getCapabilities().getAdd()).isEmpty();
        assertThat(server.getSecurityContext().getRunAsUser()).as("the pod's user, not one of its own").isNull();
        // java.io.tmpdir is the one writable path: the bundled llama.cpp library is unpacked there
        VolumeMount tmp = mount(server, "/tmp");
        assertThat(tmp.getReadOnly()).isNotEqualTo(Boolean.TRUE);
        assertThat(volume(pod, tmp.getName()).getEmptyDir()).isNotNull();
    }

    @Test
    void theModelIsMountedReadOnlyFromThePersistentVolumeClaim() {
        PodSpec pod = podSpec();
        Container server = serverContainer();
        ParseResult serve = new CommandLine(new LlmCommand()).parseArgs(server.getArgs().toArray(String[]::new))
                .subcommand();
        Path model = serve.matchedOptionValue("--model", null);
        VolumeMount models = server.getVolumeMounts().stream()
                .filter(mount -> model.startsWith(Path.of(mount.getMountPath()))).findFirst().orElseThrow();
        assertThat(models.getMountPath()).isEqualTo("/models");
        assertThat(models.getReadOnly()).isTrue();
        Volume volume = volume(pod, models.getName());
        assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("jvmllm-models");
        assertThat(volume.getPersistentVolumeClaim().getReadOnly()).isTrue();
    }

    @Test
    void theResourcesAreRequestedAndLimited() {
        Map<String, Quantity> requests = serverContainer().getResources().getRequests();
        Map<String, Quantity> limits = serverContainer().getResources().getLimits();
        for (String resource : List.of("cpu", "memory")) {
            assertThat(requests).containsKey(resource);
            assertThat(limits).containsKey(resource);
            assertThat(Quantity.getAmountInBytes(requests.get(resource)))
                    .isLessThanOrEqualTo(Quantity.getAmountInBytes(limits.get(resource)));
        }
        // the heap is a part of the memory limit: the KV cache and the weights are native memory
        List<String> command = serverContainer().getCommand();
        String heap = command.stream().filter(arg -> arg.startsWith("-Xmx")).findFirst().orElseThrow();
        assertThat(heap).matches("-Xmx[0-9]+[mg]");
        // -Xmx512m is 512 MiB, as 512Mi is
        BigDecimal heapBytes = Quantity.getAmountInBytes(new Quantity(heap.substring(4, heap.length() - 1),
                heap.endsWith("m") ? "Mi" : "Gi"));
        assertThat(heapBytes).isLessThan(Quantity.getAmountInBytes(limits.get("memory")).divide(BigDecimal.TWO));
    }

    @Test
    void kubernetesWaitsLongerThanTheServerDrains() {
        Deployment deployment = load("deployment.yaml", Deployment.class);
        assertThat(deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
                .isGreaterThan((long) SERVER_SHUTDOWN_GRACE_SECONDS);
        // the server drains itself on SIGTERM: no hook delays it
        assertThat(serverContainer().getLifecycle()).isNull();
        // a rolling update keeps every replica until its successor is ready
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable())
                .isEqualTo(new IntOrString(0));
        // the autoscaler owns the replica count
        assertThat(deployment.getSpec().getReplicas()).isNull();
    }

    @Test
    void theServiceSelectsTheDeploymentsPods() {
        Deployment deployment = load("deployment.yaml", Deployment.class);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(deployment.getSpec().getSelector().getMatchExpressions()).isEmpty();

        Service service = load("service.yaml", Service.class);
        assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(service.getSpec().getSelector()).isNotEmpty();
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).hasSize(1);
        ServicePort port = service.getSpec().getPorts().getFirst();
        assertThat(port.getPort()).isEqualTo(80);
        assertThat(resolvePort(serverContainer(), port.getTargetPort())).isEqualTo(SERVER_PORT);
    }

    @Test
    void theDisruptionBudgetCoversTheDeploymentsPods() {
        Map<String, String> podLabels = podLabels();
        PodDisruptionBudget pdb = load("pdb.yaml", PodDisruptionBudget.class);
        assertThat(pdb.getSpec().getSelector().getMatchLabels()).isNotEmpty();
        assertThat(pdb.getSpec().getSelector().getMatchExpressions()).isEmpty();
        assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        IntOrString maxUnavailable = pdb.getSpec().getMaxUnavailable();
        IntOrString minAvailable = pdb.getSpec().getMinAvailable();
        assertThat(maxUnavailable == null).as("exactly one of maxUnavailable and minAvailable")
                .isNotEqualTo(minAvailable == null);
        if (maxUnavailable != null) {
            assertThat(maxUnavailable).isEqualTo(new IntOrString(1));
        } else {
            // a drain can still take a pod: fewer must stay than the autoscaler's minimum
            assertThat(minAvailable).isEqualTo(new IntOrString(1));
            assertThat(load("hpa.yaml", HorizontalPodAutoscaler.class).getSpec().getMinReplicas()).isGreaterThan(1);
        }
    }

    @Test
    void theAutoscalerScalesTheDeploymentOnQueueDepth() {
        Deployment deployment = load("deployment.yaml", Deployment.class);
        HorizontalPodAutoscaler hpa = load("hpa.yaml", HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion()).isEqualTo(deployment.getApiVersion());
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo(deployment.getKind());
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThan(hpa.getSpec().getMinReplicas());

        assertThat(hpa.getSpec().getMetrics()).hasSize(1);
        MetricSpec metric = hpa.getSpec().getMetrics().getFirst();
        assertThat(metric.getType()).isEqualTo("Pods");
        assertThat(metric.getPods().getMetric().getName()).isEqualTo(QUEUE_DEPTH_METRIC);
        assertThat(metric.getPods().getTarget().getType()).isEqualTo("AverageValue");
        assertThat(Quantity.getAmountInBytes(metric.getPods().getTarget().getAverageValue())).isPositive();
        // the adapter rule in the comment names the same series
        assertThat(read(DIRECTORY.resolve("hpa.yaml"))).contains("seriesQuery: '" + QUEUE_DEPTH_METRIC + "{");
    }

    // --- parsing

    /** The manifest, one YAML document, parsed strictly into the model class of its apiVersion and kind. */
    private static Object parse(String text, String file) throws IOException {
        List<JsonNode> documents = STRICT.readerFor(JsonNode.class).<JsonNode>readValues(text).readAll();
        assertThat(documents).as("%s holds one YAML document", file).hasSize(1);
        JsonNode tree = documents.getFirst();
        String key = tree.path("apiVersion").asText("") + " " + tree.path("kind").asText("");
        Class<?> type = MODEL_CLASSES.get(key);
        assertThat(type).as("%s: a known apiVersion and kind, not '%s'", file, key).isNotNull();
        return STRICT.readValue(text, type);
    }

    private static <T> T load(String file, Class<T> type) {
        try {
            return type.cast(parse(read(DIRECTORY.resolve(file)), file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The paths of the fields that fabric8 kept in an {@code additionalProperties} map anywhere in
     * {@code value}: what the Kubernetes API does not know.
     */
    static List<String> unknownFields(Object value, String path) {
        List<String> found = new ArrayList<>();
        walk(value, path, found);
        return found;
    }

    private static void walk(Object value, String path, List<String> found) {
        switch (value) {
            case null -> {
            }
            case Map<?, ?> map -> map.forEach((key, entry) -> walk(entry, path + "." + key, found));
            case Collection<?> list -> {
                int index = 0;
                for (Object element : list) {
                    walk(element, path + "[" + index++ + "]", found);
                }
            }
            default -> {
                if (!value.getClass().getName().startsWith("io.fabric8.")) {
                    return;
                }
                for (Method getter : value.getClass().getMethods()) {
                    if (getter.getParameterCount() != 0) {
                        continue;
                    }
                    if (getter.isAnnotationPresent(JsonAnyGetter.class)) {
                        ((Map<?, ?>) invoke(getter, value)).keySet().forEach(key -> found.add(path + "." + key));
                    } else if (getter.isAnnotationPresent(JsonProperty.class)) {
                        walk(invoke(getter, value), path + "." + getter.getAnnotation(JsonProperty.class).value(),
                                found);
                    }
                }
            }
        }
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(getter + " failed", e);
        }
    }

    // --- the Deployment's parts

    private static PodSpec podSpec() {
        return load("deployment.yaml", Deployment.class).getSpec().getTemplate().getSpec();
    }

    private static Map<String, String> podLabels() {
        return load("deployment.yaml", Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
    }

    private static Container serverContainer() {
        List<Container> containers = podSpec().getContainers();
        assertThat(containers).hasSize(1);
        return containers.getFirst();
    }

    /** A port given by number or by the name of one of the container's ports. */
    private static int resolvePort(Container container, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream().filter(candidate -> port.getStrVal().equals(candidate.getName()))
                .map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal()));
    }

    private static VolumeMount mount(Container container, String path) {
        return container.getVolumeMounts().stream().filter(mount -> mount.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(volume -> volume.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    // --- files

    private static List<Path> yamlFiles() {
        try (Stream<Path> files = Files.list(DIRECTORY)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".yaml")
                    || file.getFileName().toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** deploy/kubernetes in the checkout: Maven runs the test in examples/, an IDE maybe elsewhere. */
    private static Path manifestDirectory() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy").resolve("kubernetes");
            if (Files.isRegularFile(candidate.resolve("kustomization.yaml"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no deploy/kubernetes above " + Path.of("").toAbsolutePath());
    }
}
