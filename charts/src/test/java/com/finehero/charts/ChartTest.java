package com.finehero.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * Lints charts/finehero and renders it with helm-java's native helm (no cluster), then checks the
 * objects Kubernetes would receive: kinds, probes, security, secrets, scaling and schema validation.
 */
class ChartTest {

    /** Surefire runs in the module directory, charts/. */
    private static final Path CHART = Paths.get("finehero");
    private static final Path PRODUCTION_VALUES = Paths.get("src/test/resources/production-values.yaml");
    private static final String RELEASE = "fh";
    private static final String FULLNAME = "fh-finehero";

    @Test
    void lintFindsNoErrorsOrWarnings() {
        LintResult result = new Helm(CHART).lint().strict().call();

        assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Test
    void lintFailsOnValuesTheSchemaRefuses(@TempDir Path dir) throws IOException {
        Path copy = copyChart(dir);
        Path values = copy.resolve("values.yaml");
        Files.writeString(values, Files.readString(values).replace("replicaCount: 2", "replicaCount: two"));

        LintResult result = new Helm(copy).lint().call();

        assertThat(result.isFailed()).isTrue();
        assertThat(String.join("\n", result.getMessages())).contains("replicaCount");
    }

    @Test
    void defaultsRenderAOnePodTrialOnEmbeddedH2() {
        var objects = render(t -> t);

        assertThat(kinds(objects)).containsExactlyInAnyOrder(
                "ServiceAccount", "Secret", "ConfigMap", "Service", "Deployment");
        Map<String, Object> deployment = one(objects, "Deployment");
        assertThat(at(deployment, "spec.replicas")).isEqualTo(1);
        assertThat(at(deployment, "spec.strategy.type")).isEqualTo("Recreate");
        assertThat(mountPaths(container(deployment))).containsExactlyInAnyOrder("/tmp", "/app/data");
        assertThat(configData(objects).get("FINEHERO_DB_URL")).startsWith("jdbc:h2:/app/data/finehero;");
        assertThat(configData(objects)).doesNotContainKey("FINEHERO_REDIS_ADDRESS");
    }

    @Test
    void defaultImageIsTheOneSrcContainerBuilds() {
        Map<String, Object> container = container(one(render(t -> t), "Deployment"));

        // src/container/build.sh tags localhost/finehero:<the chart's appVersion>
        assertThat(container.get("image")).isEqualTo("localhost/finehero:0.1.0");
        assertThat(container.get("imagePullPolicy")).isEqualTo("IfNotPresent");
    }

    @Test
    void deploymentProbesTheRealHealthEndpointsOnOnePort() {
        Map<String, Object> container = container(one(render(t -> t), "Deployment"));

        List<Map<String, Object>> ports = list(container.get("ports"));
        assertThat(ports).hasSize(1);
        assertThat(ports.get(0)).containsEntry("name", "http").containsEntry("containerPort", 8080);
        assertThat(at(container, "startupProbe.httpGet.path")).isEqualTo("/observe/health/ready");
        assertThat(at(container, "readinessProbe.httpGet.path")).isEqualTo("/observe/health/ready");
        assertThat(at(container, "livenessProbe.httpGet.path")).isEqualTo("/observe/health/live");
        assertThat(Stream.of("startupProbe", "readinessProbe", "livenessProbe")
                .map(p -> at(container, p + ".httpGet.port"))).containsOnly("http");
        assertThat(at(container, "resources.limits.memory")).isEqualTo("1Gi");
        assertThat(at(container, "resources.requests.cpu")).isEqualTo("250m");
    }

    @Test
    void podRunsAsNonRootOnAReadOnlyFilesystem() {
        Map<String, Object> deployment = one(render(t -> t), "Deployment");
        Map<String, Object> container = container(deployment);

        assertThat(at(container, "securityContext.runAsNonRoot")).isEqualTo(true);
        assertThat(at(container, "securityContext.runAsUser")).isEqualTo(10001);
        assertThat(at(container, "securityContext.runAsGroup")).isEqualTo(10001);
        assertThat(at(container, "securityContext.readOnlyRootFilesystem")).isEqualTo(true);
        assertThat(at(container, "securityContext.allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(strings(at(container, "securityContext.capabilities.drop"))).containsExactly("ALL");
        assertThat(at(container, "securityContext.seccompProfile.type")).isEqualTo("RuntimeDefault");
        assertThat(at(deployment, "spec.template.spec.securityContext.runAsUser")).isEqualTo(10001);
        assertThat(at(deployment, "spec.template.spec.securityContext.seccompProfile.type")).isEqualTo("RuntimeDefault");
        assertThat(mountPaths(container)).contains("/tmp");
    }

    @Test
    void terminationGraceOutlastsTheServersDrain() {
        var objects = render(t -> t);

        Duration drain = Duration.parse(configData(objects).get("FINEHERO_SHUTDOWN_DRAIN"));
        Object grace = at(one(objects, "Deployment"), "spec.template.spec.terminationGracePeriodSeconds");
        assertThat(((Number) grace).longValue()).isGreaterThan(drain.toSeconds());
    }

    @Test
    void serviceSpeaksH2cForGrpcAndHttpOnOnePort() {
        Map<String, Object> service = one(render(t -> t), "Service");

        assertThat(at(service, "spec.type")).isEqualTo("ClusterIP");
        List<Map<String, Object>> ports = list(at(service, "spec.ports"));
        assertThat(ports).hasSize(1);
        assertThat(ports.get(0))
                .containsEntry("port", 8080)
                .containsEntry("targetPort", "http")
                .containsEntry("appProtocol", "kubernetes.io/h2c");
    }

    @Test
    void chartSecretCarriesThePasswordsFromValues() {
        var objects = render(t -> t.set("database.url", "jdbc:postgresql://pg:5432/finehero").set("auth.jwtKeys", "test-keys")
                .set("database.password", "s3cret").set("redis.password", "r3dis"));

        Map<String, Object> secret = one(objects, "Secret");
        assertThat(at(secret, "metadata.name")).isEqualTo(FULLNAME);
        assertThat(decode(at(secret, "data.db-password"))).isEqualTo("s3cret");
        assertThat(decode(at(secret, "data.redis-password"))).isEqualTo("r3dis");
        Map<String, Object> container = container(one(objects, "Deployment"));
        assertThat(at(env(container, "FINEHERO_DB_PASSWORD"), "valueFrom.secretKeyRef"))
                .isEqualTo(Map.of("name", FULLNAME, "key", "db-password"));
        assertThat(configData(objects)).doesNotContainKeys("FINEHERO_DB_PASSWORD", "FINEHERO_REDIS_PASSWORD")
                .doesNotContainValue("s3cret");
    }

    @Test
    void withADatabaseUrlDefaultsAutoscaleFromTwoToTenPods() {
        var objects = render(t -> t.set("database.url", "jdbc:postgresql://pg:5432/finehero").set("auth.jwtKeys", "test-keys"));

        assertThat(kinds(objects)).contains("HorizontalPodAutoscaler", "PodDisruptionBudget")
                .doesNotContain("ServiceMonitor", "Ingress");
        Map<String, Object> hpa = one(objects, "HorizontalPodAutoscaler");
        assertThat(at(hpa, "apiVersion")).isEqualTo("autoscaling/v2");
        assertThat(at(hpa, "spec.minReplicas")).isEqualTo(2);
        assertThat(at(hpa, "spec.maxReplicas")).isEqualTo(10);
        assertThat(at(hpa, "spec.scaleTargetRef.name")).isEqualTo(FULLNAME);
        Map<String, Object> metric = list(at(hpa, "spec.metrics")).get(0);
        assertThat(at(metric, "resource.name")).isEqualTo("cpu");
        assertThat(at(metric, "resource.target.type")).isEqualTo("Utilization");
        assertThat(at(one(objects, "PodDisruptionBudget"), "spec.minAvailable")).isEqualTo(1);
        Map<String, Object> deployment = one(objects, "Deployment");
        assertThat(at(deployment, "spec.replicas")).as("the HPA owns the replica count").isNull();
        // no H2 volume; the originals' emptyDir until a blob store is chosen
        assertThat(mountPaths(container(deployment))).containsExactlyInAnyOrder("/tmp", "/app/blobs");
    }

    @Test
    void singlePodHasNoDisruptionBudget() {
        var objects = render(t -> t.set("database.url", "jdbc:postgresql://pg:5432/finehero").set("auth.jwtKeys", "test-keys")
                .set("autoscaling.enabled", false).set("replicaCount", 1));

        assertThat(kinds(objects)).doesNotContain("HorizontalPodAutoscaler", "PodDisruptionBudget");
        assertThat(at(one(objects, "Deployment"), "spec.replicas")).isEqualTo(1);
    }

    @Test
    void productionValuesRenderEveryObject() {
        var objects = render(t -> t.withValuesFile(PRODUCTION_VALUES));

        assertThat(kinds(objects)).containsExactlyInAnyOrder("ServiceAccount", "ConfigMap", "Service", "Deployment",
                "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor", "Ingress");
        Map<String, Object> container = container(one(objects, "Deployment"));
        assertThat(container.get("image")).isEqualTo("registry.example.com/finehero/server:0.1.0");
        assertThat(container.get("imagePullPolicy")).isEqualTo("Always");
        assertThat(at(env(container, "FINEHERO_DB_PASSWORD"), "valueFrom.secretKeyRef"))
                .isEqualTo(Map.of("name", "finehero-credentials", "key", "postgres-password"));
        assertThat(at(env(container, "FINEHERO_REDIS_PASSWORD"), "valueFrom.secretKeyRef.name"))
                .isEqualTo("finehero-credentials");
        assertThat(list(container.get("envFrom")).get(0)).isEqualTo(Map.of("configMapRef", Map.of("name", FULLNAME)));
        assertThat(configData(objects))
                .containsEntry("FINEHERO_DB_URL", "jdbc:postgresql://postgresql.db.svc:5432/finehero")
                .containsEntry("FINEHERO_DB_SCHEMA", "finehero")
                .containsEntry("FINEHERO_REDIS_ADDRESS", "redis://redis.cache.svc:6379")
                .containsEntry("FINEHERO_LOG_FORMAT", "json")
                .containsEntry("SERVER_PORT", "8080")
                .containsEntry("FINEHERO_CACHE_FINES_TTL", "PT30M")
                .containsEntry("FINEHERO_FINES_OVERDUE_dash_SWEEP", "PT5M");
        Map<String, Object> hpa = one(objects, "HorizontalPodAutoscaler");
        assertThat(at(hpa, "spec.minReplicas")).isEqualTo(3);
        assertThat(at(hpa, "spec.maxReplicas")).isEqualTo(12);

        Map<String, Object> monitor = one(objects, "ServiceMonitor");
        assertThat(at(monitor, "apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        Map<String, Object> endpoint = list(at(monitor, "spec.endpoints")).get(0);
        assertThat(endpoint).containsEntry("port", "http").containsEntry("path", "/observe/metrics");
        assertThat(at(monitor, "spec.selector.matchLabels"))
                .isEqualTo(at(one(objects, "Service"), "spec.selector"));

        Map<String, Object> rule = list(at(one(objects, "Ingress"), "spec.rules")).get(0);
        assertThat(rule.get("host")).isEqualTo("fines.example.com");
        Map<String, Object> path = list(at(rule, "http.paths")).get(0);
        assertThat(at(path, "backend.service")).isEqualTo(Map.of("name", FULLNAME, "port", Map.of("name", "http")));
    }

    @Test
    void everyObjectCarriesTheStandardLabels() {
        var objects = render(t -> t.withValuesFile(PRODUCTION_VALUES));

        for (Map<String, Object> object : objects) {
            assertThat(map(at(object, "metadata.labels")))
                    .as("%s labels", object.get("kind"))
                    .containsEntry("app.kubernetes.io/name", "finehero")
                    .containsEntry("app.kubernetes.io/instance", RELEASE)
                    .containsEntry("app.kubernetes.io/version", "0.1.0")
                    .containsKey("app.kubernetes.io/managed-by");
        }
    }

    @Test
    void schemaRefusesAWrongType() {
        assertThatThrownBy(() -> render(t -> t.set("replicaCount", "two")))
                .hasMessageContaining("replicaCount: Invalid type. Expected: integer");
    }

    @Test
    void schemaRequiresTheImageRepository() {
        assertThatThrownBy(() -> render(t -> t.set("image.repository", "null")))
                .hasMessageContaining("image: repository is required");
    }

    @Test
    void schemaRefusesUnknownEnumsAndMisspelledKeys() {
        assertThatThrownBy(() -> render(t -> t.set("logging.format", "xml")))
                .hasMessageContaining("logging.format must be one of the following");
        assertThatThrownBy(() -> render(t -> t.set("service.type", "Internal")))
                .hasMessageContaining("service.type must be one of the following");
        assertThatThrownBy(() -> render(t -> t.set("replicaCont", 3)))
                .hasMessageContaining("Additional property replicaCont is not allowed");
        assertThatThrownBy(() -> render(t -> t.set("database.url", "postgres://pg/finehero")))
                .hasMessageContaining("database.url: Does not match pattern");
    }

    @Test
    void redisSentinelModeNamesTheMasterAndEverySentinel(@TempDir Path dir) throws IOException {
        Path values = Files.writeString(dir.resolve("sentinel.yaml"), """
                redis:
                  mode: sentinel
                  sentinel:
                    master: finehero
                    addresses: ["redis://sentinel-0.cache:26379", "redis://sentinel-1.cache:26379", "redis://sentinel-2.cache:26379"]
                """);
        Map<String, String> config = configData(render(t -> t.withValuesFile(values)));
        assertThat(config).containsEntry("FINEHERO_REDIS_MODE", "sentinel")
                .containsEntry("FINEHERO_REDIS_SENTINEL_MASTER", "finehero")
                .containsEntry("FINEHERO_REDIS_SENTINEL_ADDRESSES",
                        "redis://sentinel-0.cache:26379,redis://sentinel-1.cache:26379,redis://sentinel-2.cache:26379")
                .doesNotContainKeys("FINEHERO_REDIS_ADDRESS", "FINEHERO_REDIS_CLUSTER_ADDRESSES");
    }

    @Test
    void redisClusterModeListsItsNodes(@TempDir Path dir) throws IOException {
        Path values = Files.writeString(dir.resolve("cluster.yaml"), """
                redis:
                  mode: cluster
                  cluster:
                    addresses: ["redis://redis-0.cache:6379", "redis://redis-1.cache:6379"]
                """);
        Map<String, String> config = configData(render(t -> t.withValuesFile(values)));
        assertThat(config).containsEntry("FINEHERO_REDIS_MODE", "cluster")
                .containsEntry("FINEHERO_REDIS_CLUSTER_ADDRESSES", "redis://redis-0.cache:6379,redis://redis-1.cache:6379")
                .doesNotContainKeys("FINEHERO_REDIS_ADDRESS", "FINEHERO_REDIS_SENTINEL_MASTER");
    }

    @Test
    void redisModesRefuseWhatTheyCannotUse() {
        assertThatThrownBy(() -> render(t -> t.set("redis.mode", "replicated")))
                .hasMessageContaining("redis.mode must be one of the following");
        assertThatThrownBy(() -> render(t -> t.set("redis.mode", "sentinel")))
                .hasMessageContaining("redis.mode sentinel needs redis.sentinel.master and redis.sentinel.addresses");
        assertThatThrownBy(() -> render(t -> t.set("redis.mode", "cluster")))
                .hasMessageContaining("redis.mode cluster needs redis.cluster.addresses");
    }

    @Test
    void behindPgBouncerThePoolGoesToThePoolerAndMigrationsAndListenToPostgresql() {
        Map<String, String> config = configData(render(t -> t.set("database.url", "jdbc:postgresql://pgbouncer:6432/finehero")
                .set("auth.jwtKeys", "test-keys").set("database.pooler", "pgbouncer-transaction")
                .set("database.directUrl", "jdbc:postgresql://postgresql:5432/finehero")));
        assertThat(config).containsEntry("FINEHERO_DB_URL", "jdbc:postgresql://pgbouncer:6432/finehero")
                .containsEntry("FINEHERO_DB_POOLER", "pgbouncer-transaction")
                .containsEntry("FINEHERO_DB_DIRECT_dash_URL", "jdbc:postgresql://postgresql:5432/finehero");
        assertThat(configData(render(t -> t.set("database.url", "jdbc:postgresql://pg:5432/finehero").set("auth.jwtKeys", "test-keys"))))
                .doesNotContainKeys("FINEHERO_DB_POOLER", "FINEHERO_DB_DIRECT_dash_URL");
    }

    @Test
    void aPoolerWithoutADirectUrlOrOfAnUnknownKindIsRefused() {
        assertThatThrownBy(() -> render(t -> t.set("database.url", "jdbc:postgresql://pgbouncer:6432/finehero")
                .set("auth.jwtKeys", "test-keys").set("database.pooler", "pgbouncer-transaction")))
                .hasMessageContaining("database.pooler pgbouncer-transaction needs database.url (the pooler) and database.directUrl");
        assertThatThrownBy(() -> render(t -> t.set("database.pooler", "pgpool")))
                .hasMessageContaining("database.pooler must be one of the following");
        assertThatThrownBy(() -> render(t -> t.set("database.directUrl", "postgres://pg/finehero")))
                .hasMessageContaining("database.directUrl: Does not match pattern");
    }

    @Test
    void backupsAreACronJobRunningTheRepositorysScriptWithTheKeyFromASecret() throws IOException {
        var objects = render(t -> t.withValuesFile(PRODUCTION_VALUES).set("database.directUrl", "jdbc:postgresql://postgresql.db.svc:5432/finehero")
                .set("backup.enabled", true).set("backup.keySecret.name", "finehero-backup-key")
                .set("backup.persistentVolumeClaim", "finehero-backups").set("backup.keep", 7));
        Map<String, Object> cronJob = one(objects, "CronJob");
        assertThat(at(cronJob, "spec.concurrencyPolicy")).isEqualTo("Forbid");
        Map<String, Object> pod = map(at(cronJob, "spec.jobTemplate.spec.template.spec"));
        assertThat(pod.get("restartPolicy")).isEqualTo("Never");
        Map<String, Object> container = list(pod.get("containers")).get(0);
        assertThat(strings(container.get("command"))).containsExactly("bash", "/opt/finehero/finehero-backup");
        assertThat(env(container, "FINEHERO_BACKUP_DB").get("value")).isEqualTo("jdbc:postgresql://postgresql.db.svc:5432/finehero");
        assertThat(env(container, "FINEHERO_BACKUP_SCHEMA").get("value")).isEqualTo("finehero");
        assertThat(env(container, "FINEHERO_BACKUP_KEEP").get("value")).isEqualTo("7");
        assertThat(env(container, "FINEHERO_BACKUP_KEY_FILE").get("value")).isEqualTo("/run/secrets/finehero-backup/key");
        assertThat(at(env(container, "PGPASSWORD"), "valueFrom.secretKeyRef.name")).isEqualTo("finehero-credentials");
        assertThat(at(env(container, "PGPASSWORD"), "valueFrom.secretKeyRef.key")).isEqualTo("postgres-password");
        assertThat(mountPaths(container)).contains("/opt/finehero", "/run/secrets/finehero-backup", "/backups", "/tmp");
        List<Map<String, Object>> volumes = list(pod.get("volumes"));
        assertThat(volumes).anySatisfy(v -> assertThat(at(v, "secret.secretName")).isEqualTo("finehero-backup-key"))
                .anySatisfy(v -> assertThat(at(v, "persistentVolumeClaim.claimName")).isEqualTo("finehero-backups"));
        assertThat(at(map(at(container, "securityContext")), "readOnlyRootFilesystem")).isEqualTo(true);

        String script = objects.stream().filter(o -> "ConfigMap".equals(o.get("kind")))
                .map(o -> (String) at(o, "data.finehero-backup")).filter(java.util.Objects::nonNull).findFirst().orElseThrow();
        assertThat(script + "\n").as("the script the CronJob runs is bin/finehero-backup")
                .isEqualTo(Files.readString(Paths.get("..", "bin", "finehero-backup")));
        assertThat(kinds(render(t -> t.withValuesFile(PRODUCTION_VALUES)))).doesNotContain("CronJob");
    }

    @Test
    void backupsRefuseWhatTheyCannotRunWith() {
        assertThatThrownBy(() -> render(t -> t.set("backup.enabled", true)))
                .hasMessageContaining("backup.enabled needs database.url");
        assertThatThrownBy(() -> render(t -> t.withValuesFile(PRODUCTION_VALUES).set("backup.enabled", true)
                .set("backup.persistentVolumeClaim", "finehero-backups")))
                .hasMessageContaining("backup.enabled needs backup.keySecret.name");
        assertThatThrownBy(() -> render(t -> t.withValuesFile(PRODUCTION_VALUES).set("backup.enabled", true)
                .set("backup.keySecret.name", "k")))
                .hasMessageContaining("backup.enabled needs backup.persistentVolumeClaim");
        assertThatThrownBy(() -> render(t -> t.set("backup.keep", -1))).hasMessageContaining("backup.keep");
    }

    @Test
    void aSharedDatabaseWithoutSigningKeysFailsNamingThem() {
        assertThatThrownBy(() -> render(t -> t.set("database.url", "jdbc:postgresql://pg:5432/finehero")))
                .hasMessageContaining("auth.jwtKeys is required");
    }

    @Test
    void signingKeysAndTheFirstAdminComeFromTheSecret() {
        var objects = render(t -> t.set("database.url", "jdbc:postgresql://pg:5432/finehero").set("auth.jwtKeys", "keys-json")
                .set("auth.bootstrapAdminPassword", "a-long-admin-password"));
        String all = String.join("\n", objects.stream().map(Object::toString).toList());
        assertThat(all).contains("FINEHERO_AUTH_JWT_KEYS").contains("FINEHERO_AUTH_BOOTSTRAP_ADMIN_PASSWORD")
                .contains(java.util.Base64.getEncoder().encodeToString("keys-json".getBytes()));
    }

    @Test
    void productionWithoutADatabaseUrlFailsNamingIt() {
        assertThatThrownBy(() -> render(t -> t.set("database.embedded", false)))
                .hasMessageContaining("database.url is required");
    }

    @Test
    void withPostgresqlAndNoBlobStoreChosenEachPodKeepsOriginalsInAnEmptyDir() {
        var objects = render(t -> t.set("database.url", "jdbc:postgresql://pg:5432/finehero").set("auth.jwtKeys", "test-keys"));

        Map<String, Object> deployment = one(objects, "Deployment");
        assertThat(mountPaths(container(deployment))).containsExactlyInAnyOrder("/tmp", "/app/blobs");
        assertThat(volume(deployment, "blobs")).containsEntry("emptyDir", Map.of());
        assertThat(configData(objects)).containsEntry("FINEHERO_BLOBS_STORE", "filesystem")
                .containsEntry("FINEHERO_BLOBS_DIRECTORY", "/app/blobs");
        assertThat(kinds(objects)).doesNotContain("PersistentVolumeClaim");
    }

    @Test
    void theEmbeddedTrialKeepsOriginalsBesideItsDatabase() {
        var objects = render(t -> t);

        assertThat(configData(objects)).containsEntry("FINEHERO_BLOBS_STORE", "filesystem")
                .doesNotContainKey("FINEHERO_BLOBS_DIRECTORY");
        assertThat(mountPaths(container(one(objects, "Deployment")))).doesNotContain("/app/blobs");
    }

    @Test
    void persistenceMakesAClaimThatOutlivesTheReleaseAndEveryPodMountsIt() {
        var objects = render(t -> t.set("database.url", "jdbc:postgresql://pg:5432/finehero").set("auth.jwtKeys", "test-keys")
                .set("blobs.filesystem.persistence.enabled", true).set("blobs.filesystem.persistence.size", "50Gi"));

        Map<String, Object> claim = one(objects, "PersistentVolumeClaim");
        assertThat(at(claim, "metadata.name")).isEqualTo(FULLNAME + "-blobs");
        assertThat(at(claim, "metadata.annotations")).isEqualTo(Map.of("helm.sh/resource-policy", "keep"));
        assertThat(strings(at(claim, "spec.accessModes"))).containsExactly("ReadWriteMany");
        assertThat(at(claim, "spec.resources.requests.storage")).isEqualTo("50Gi");
        Map<String, Object> deployment = one(objects, "Deployment");
        assertThat(volume(deployment, "blobs")).isEqualTo(Map.of("name", "blobs",
                "persistentVolumeClaim", Map.of("claimName", FULLNAME + "-blobs")));
        assertThat(configData(objects)).containsEntry("FINEHERO_BLOBS_DIRECTORY", "/app/blobs");
    }

    @Test
    void anExistingClaimIsMountedAndNoneIsMade() {
        var objects = render(t -> t.set("database.url", "jdbc:postgresql://pg:5432/finehero").set("auth.jwtKeys", "test-keys")
                .set("blobs.filesystem.existingClaim", "shared-originals"));

        assertThat(kinds(objects)).doesNotContain("PersistentVolumeClaim");
        assertThat(at(volume(one(objects, "Deployment"), "blobs"), "persistentVolumeClaim.claimName")).isEqualTo("shared-originals");
    }

    @Test
    void s3TakesItsBucketFromValuesAndItsKeysFromTheSecret() {
        var objects = render(t -> t.set("database.url", "jdbc:postgresql://pg:5432/finehero").set("auth.jwtKeys", "test-keys")
                .set("blobs.store", "s3").set("blobs.s3.endpoint", "http://minio:9000").set("blobs.s3.bucket", "originals")
                .set("blobs.s3.accessKey", "AKID").set("blobs.s3.secretKey", "s3-secret-value"));

        assertThat(configData(objects)).containsEntry("FINEHERO_BLOBS_STORE", "s3")
                .containsEntry("FINEHERO_BLOBS_S3_ENDPOINT", "http://minio:9000")
                .containsEntry("FINEHERO_BLOBS_S3_BUCKET", "originals")
                .containsEntry("FINEHERO_BLOBS_S3_REGION", "us-east-1")
                .containsEntry("FINEHERO_BLOBS_S3_PATH_dash_STYLE_dash_ACCESS", "true")
                .doesNotContainKey("FINEHERO_BLOBS_DIRECTORY")
                .doesNotContainValue("s3-secret-value");
        Map<String, Object> secret = one(objects, "Secret");
        assertThat(decode(at(secret, "data.s3-access-key"))).isEqualTo("AKID");
        assertThat(decode(at(secret, "data.s3-secret-key"))).isEqualTo("s3-secret-value");
        Map<String, Object> deployment = one(objects, "Deployment");
        Map<String, Object> container = container(deployment);
        assertThat(at(env(container, "FINEHERO_BLOBS_S3_SECRET_dash_KEY"), "valueFrom.secretKeyRef"))
                .isEqualTo(Map.of("name", FULLNAME, "key", "s3-secret-key", "optional", true));
        assertThat(at(env(container, "FINEHERO_BLOBS_S3_ACCESS_dash_KEY"), "valueFrom.secretKeyRef.key")).isEqualTo("s3-access-key");
        assertThat(mountPaths(container)).containsExactly("/tmp");
    }

    @Test
    void productionValuesReadTheS3KeysFromTheExistingSecret() {
        var objects = render(t -> t.withValuesFile(PRODUCTION_VALUES));

        assertThat(configData(objects)).containsEntry("FINEHERO_BLOBS_STORE", "s3")
                .containsEntry("FINEHERO_BLOBS_S3_BUCKET", "finehero-originals");
        assertThat(at(env(container(one(objects, "Deployment")), "FINEHERO_BLOBS_S3_ACCESS_dash_KEY"), "valueFrom.secretKeyRef.name"))
                .isEqualTo("finehero-credentials");
    }

    @Test
    void blobValuesTheChartCannotUseAreRefused() {
        assertThatThrownBy(() -> render(t -> t.set("blobs.store", "gcs"))).hasMessageContaining("blobs.store");
        assertThatThrownBy(() -> render(t -> t.set("blobs.store", "s3"))).hasMessageContaining("blobs.s3.bucket is required");
        assertThatThrownBy(() -> render(t -> t.set("blobs.s3.endpoint", "minio:9000"))).hasMessageContaining("blobs.s3.endpoint");
        assertThatThrownBy(() -> render(t -> t.set("blobs.filesystem.persistence.accessMode", "ReadMany")))
                .hasMessageContaining("accessMode");
    }

    // --- rendering and navigation ---

    private static Map<String, Object> volume(Map<String, Object> deployment, String name) {
        return list(at(deployment, "spec.template.spec.volumes")).stream().filter(v -> name.equals(v.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static List<Map<String, Object>> render(UnaryOperator<TemplateCommand> options) {
        String manifest = options.apply(new Helm(CHART).template().withName(RELEASE).withNamespace("fines")).call();
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : new Yaml().loadAll(manifest)) {
            if (document != null) {
                objects.add(map(document));
            }
        }
        assertThat(objects).as("rendered manifest:%n%s", manifest).isNotEmpty();
        return objects;
    }

    private static List<String> kinds(List<Map<String, Object>> objects) {
        return objects.stream().map(o -> (String) o.get("kind")).toList();
    }

    private static Map<String, Object> one(List<Map<String, Object>> objects, String kind) {
        List<Map<String, Object>> matching = objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
        assertThat(matching).as("objects of kind %s", kind).hasSize(1);
        return matching.get(0);
    }

    private static Map<String, Object> container(Map<String, Object> deployment) {
        List<Map<String, Object>> containers = list(at(deployment, "spec.template.spec.containers"));
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static Map<String, Object> env(Map<String, Object> container, String name) {
        return list(container.get("env")).stream().filter(e -> name.equals(e.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no env var " + name + " in " + container.get("env")));
    }

    private static List<String> mountPaths(Map<String, Object> container) {
        return list(container.get("volumeMounts")).stream().map(m -> (String) m.get("mountPath")).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> configData(List<Map<String, Object>> objects) {
        return (Map<String, String>) at(one(objects, "ConfigMap"), "data");
    }

    /** Follows a dotted path of map keys; null when a step is missing. */
    private static Object at(Map<String, Object> object, String path) {
        Object current = object;
        for (String key : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }

    private static String decode(Object base64) {
        return new String(Base64.getDecoder().decode((String) base64));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<Map<String, Object>>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<String>) value;
    }

    private static Path copyChart(Path target) throws IOException {
        Path root = target.resolve("finehero");
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path source : files.toList()) {
                Path destination = root.resolve(CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(source, destination);
                }
            }
        }
        return root;
    }
}
