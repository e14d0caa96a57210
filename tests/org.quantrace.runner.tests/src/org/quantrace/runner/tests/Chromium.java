package org.quantrace.runner.tests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Debian's headless Chromium driven through the DevTools protocol (a WebSocket on the loopback address,
 * with the JDK's own HTTP client): open a page, evaluate JavaScript in it, take a full-page screenshot.
 * The browser runs with its own throw-away profile and no network but the files it is given.
 */
final class Chromium implements AutoCloseable {

	static final Path BINARY = Path.of("/usr/bin/chromium");
	private static final ObjectMapper JSON = new ObjectMapper();
	private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

	private final Process process;
	private final Path profile;
	private final WebSocket socket;
	private final AtomicInteger ids = new AtomicInteger();
	private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
	private final Map<String, CompletableFuture<JsonNode>> events = new ConcurrentHashMap<>();

	static boolean available() {
		return Files.isExecutable(BINARY);
	}

	Chromium(Path profile) throws Exception {
		this.profile = profile;
		process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
				"--hide-scrollbars", "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
		String browser = null;
		BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		for (String line; browser == null && System.nanoTime() < deadline && (line = err.readLine()) != null;) {
			Matcher m = LISTENING.matcher(line);
			if (m.find()) {
				browser = m.group(1);
			}
		}
		if (browser == null) {
			process.destroyForcibly();
			throw new IOException("chromium did not open its DevTools port within 60 s");
		}
		Thread drain = new Thread(() -> err.lines().forEach(l -> { }), "chromium-stderr");
		drain.setDaemon(true);
		drain.start();
		URI ws = URI.create(browser);
		HttpClient http = HttpClient.newHttpClient();
		String list = http.send(HttpRequest.newBuilder(URI.create("http://" + ws.getAuthority() + "/json/list")).timeout(Duration.ofSeconds(20)).build(),
				HttpResponse.BodyHandlers.ofString()).body();
		String page = null;
		for (JsonNode target : JSON.readTree(list)) {
			if (target.path("type").asText().equals("page")) {
				page = target.path("webSocketDebuggerUrl").asText();
				break;
			}
		}
		if (page == null) {
			close();
			throw new IOException("chromium opened no page: " + list);
		}
		socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(20)).buildAsync(URI.create(page), new Listener()).get(20, TimeUnit.SECONDS);
		call("Page.enable", JSON.createObjectNode());
		call("Runtime.enable", JSON.createObjectNode());
	}

	/** Opens {@code url} and waits for its load event. */
	void open(String url) throws IOException {
		CompletableFuture<JsonNode> loaded = new CompletableFuture<>();
		events.put("Page.loadEventFired", loaded);
		ObjectNode p = JSON.createObjectNode().put("url", url);
		JsonNode r = call("Page.navigate", p);
		if (r.has("errorText")) {
			throw new IOException(url + ": " + r.get("errorText").asText());
		}
		await(loaded, url + " did not load");
	}

	/** The value of a JavaScript expression in the open page (JSON-serializable values only). */
	JsonNode evaluate(String expression) throws IOException {
		ObjectNode p = JSON.createObjectNode().put("expression", expression).put("returnByValue", true).put("awaitPromise", true);
		JsonNode r = call("Runtime.evaluate", p);
		if (r.has("exceptionDetails")) {
			throw new IOException("script failed: " + r.get("exceptionDetails"));
		}
		return r.path("result").path("value");
	}

	/** A PNG of the whole page, not just the window: the viewport is grown to the document's size first. */
	byte[] fullPageScreenshot(int width) throws IOException {
		int height = evaluate("Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight))").asInt();
		ObjectNode metrics = JSON.createObjectNode().put("width", width).put("height", height).put("deviceScaleFactor", 1).put("mobile", false);
		call("Emulation.setDeviceMetricsOverride", metrics);
		ObjectNode p = JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true);
		return Base64.getDecoder().decode(call("Page.captureScreenshot", p).path("data").asText());
	}

	private JsonNode call(String method, ObjectNode params) throws IOException {
		int id = ids.incrementAndGet();
		CompletableFuture<JsonNode> f = new CompletableFuture<>();
		pending.put(id, f);
		ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
		message.set("params", params);
		socket.sendText(message.toString(), true).join();
		JsonNode reply = await(f, method + " got no reply");
		if (reply.has("error")) {
			throw new IOException(method + ": " + reply.get("error"));
		}
		return reply.path("result");
	}

	private static JsonNode await(CompletableFuture<JsonNode> f, String what) throws IOException {
		try {
			return f.get(60, TimeUnit.SECONDS);
		} catch (Exception e) {
			throw new IOException(what + " within 60 s", e);
		}
	}

	private final class Listener implements WebSocket.Listener {
		private final StringBuilder text = new StringBuilder();

		@Override
		public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
			text.append(data);
			if (last) {
				try {
					JsonNode m = JSON.readTree(text.toString());
					if (m.has("id")) {
						CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
						if (f != null) {
							f.complete(m);
						}
					} else if (m.has("method")) {
						CompletableFuture<JsonNode> f = events.remove(m.get("method").asText());
						if (f != null) {
							f.complete(m);
						}
					}
				} catch (IOException e) {
					// not a protocol message: ignore
				}
				text.setLength(0);
			}
			ws.request(1);
			return null;
		}
	}

	@Override
	public void close() {
		if (socket != null) {
			socket.abort();
		}
		process.destroy();
		try {
			if (!process.waitFor(10, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
