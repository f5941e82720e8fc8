import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The image's HEALTHCHECK: exit 0 when GET {url} (default: the readiness endpoint on the server's
 * {@code SERVER_PORT}) answers 2xx within two seconds, else 1. The runtime
 * has no curl or wget, and this needs java.base only. Kubernetes ignores HEALTHCHECK and uses the
 * chart's probes instead.
 */
public final class HealthCheck {
    public static void main(String[] args) {
        String port = System.getenv().getOrDefault("SERVER_PORT", "8080");
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:" + port + "/observe/health/ready";
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
            connection.setConnectTimeout(2000);
            connection.setReadTimeout(2000);
            int status = connection.getResponseCode();
            System.exit(status >= 200 && status < 300 ? 0 : 1);
        } catch (Exception e) {
            System.err.println("health check " + url + " failed: " + e);
            System.exit(1);
        }
    }
}
