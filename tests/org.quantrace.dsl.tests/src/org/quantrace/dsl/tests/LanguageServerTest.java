package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.eclipse.lsp4j.ClientCapabilities;
import org.eclipse.lsp4j.CompletionParams;
import org.eclipse.lsp4j.DefinitionParams;
import org.eclipse.lsp4j.Diagnostic;
import org.eclipse.lsp4j.DiagnosticSeverity;
import org.eclipse.lsp4j.DidOpenTextDocumentParams;
import org.eclipse.lsp4j.DocumentFormattingParams;
import org.eclipse.lsp4j.DocumentSymbol;
import org.eclipse.lsp4j.DocumentSymbolCapabilities;
import org.eclipse.lsp4j.DocumentSymbolParams;
import org.eclipse.lsp4j.FormattingOptions;
import org.eclipse.lsp4j.HoverParams;
import org.eclipse.lsp4j.InitializeParams;
import org.eclipse.lsp4j.InitializedParams;
import org.eclipse.lsp4j.Location;
import org.eclipse.lsp4j.MessageActionItem;
import org.eclipse.lsp4j.MessageParams;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.PublishDiagnosticsParams;
import org.eclipse.lsp4j.ShowMessageRequestParams;
import org.eclipse.lsp4j.TextDocumentClientCapabilities;
import org.eclipse.lsp4j.TextDocumentIdentifier;
import org.eclipse.lsp4j.TextDocumentItem;
import org.eclipse.lsp4j.TextEdit;
import org.eclipse.lsp4j.WorkspaceFolder;
import org.eclipse.lsp4j.jsonrpc.Launcher;
import org.eclipse.lsp4j.launch.LSPLauncher;
import org.eclipse.lsp4j.services.LanguageClient;
import org.eclipse.lsp4j.services.LanguageServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.dsl.ide.server.RecipeLanguageServer;
import org.quantrace.testing.TestData;

/**
 * The language server as an editor uses it: an LSP4J client talks JSON-RPC to it over a socket, opens a
 * recipe and asks for diagnostics, completion, definitions, hover, formatting and the outline.
 */
class LanguageServerTest {

	private static final String RECIPE = """
			recipe r {
				model m "m.onnx"
				dataset calib "data" role calibration
				quantize mine extends fiq_int8 {
					calibrate percentile 99.9
				}
				prune { sparsity 50% }
				schemes mine, fiq_int4
			}
			""";

	private static Path dir;
	private static String uri;
	private static LanguageServer server;
	private static final Map<String, CompletableFuture<PublishDiagnosticsParams>> DIAGNOSTICS = new ConcurrentHashMap<>();
	private static Socket socket;

	@BeforeAll
	static void start() throws Exception {
		dir = TestData.tempDir("lsp").toAbsolutePath();
		Files.writeString(dir.resolve("m.onnx"), "");
		Files.createDirectories(dir.resolve("data"));
		Path file = dir.resolve("r.qr");
		Files.writeString(file, RECIPE);
		uri = file.toUri().toString();

		ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
		Thread serving = new Thread(() -> {
			try (Socket s = listening.accept()) {
				RecipeLanguageServer.serve(s.getInputStream(), s.getOutputStream(), false);
			} catch (Exception e) {
				// the connection closes when the test ends
			}
		}, "recipe-language-server");
		serving.setDaemon(true);
		serving.start();
		socket = new Socket(InetAddress.getLoopbackAddress(), listening.getLocalPort());
		Launcher<LanguageServer> client = LSPLauncher.createClientLauncher(new Client(), socket.getInputStream(), socket.getOutputStream());
		client.startListening();
		server = client.getRemoteProxy();

		InitializeParams init = new InitializeParams();
		init.setWorkspaceFolders(List.of(new WorkspaceFolder(dir.toUri().toString(), "lsp")));
		ClientCapabilities caps = new ClientCapabilities();
		TextDocumentClientCapabilities text = new TextDocumentClientCapabilities();
		DocumentSymbolCapabilities symbols = new DocumentSymbolCapabilities();
		symbols.setHierarchicalDocumentSymbolSupport(true);
		text.setDocumentSymbol(symbols);
		caps.setTextDocument(text);
		init.setCapabilities(caps);
		server.initialize(init).get(60, TimeUnit.SECONDS);
		server.initialized(new InitializedParams());
		server.getTextDocumentService().didOpen(new DidOpenTextDocumentParams(new TextDocumentItem(uri, "quantrace-recipe", 1, RECIPE)));
	}

	@AfterAll
	static void stop() throws Exception {
		server.shutdown().get(30, TimeUnit.SECONDS);
		socket.close();
	}

	@Test
	void anErrorIsPublishedAtItsRange() throws Exception {
		PublishDiagnosticsParams published = DIAGNOSTICS.computeIfAbsent(uri, k -> new CompletableFuture<>()).get(60, TimeUnit.SECONDS);
		List<Diagnostic> errors = published.getDiagnostics().stream().filter(d -> d.getSeverity() == DiagnosticSeverity.Error).toList();
		assertEquals(1, errors.size(), published.getDiagnostics().toString());
		Diagnostic d = errors.get(0);
		assertEquals("unknown-scheme", d.getCode().getLeft());
		assertEquals(new Position(7, 15), d.getRange().getStart(), "on 'fiq_int4' in 'schemes mine, fiq_int4'");
		assertEquals(new Position(7, 23), d.getRange().getEnd());
	}

	@Test
	void completionAfterCalibrateOffersTheMethods() throws Exception {
		// line 4 is "\t\tcalibrate percentile 99.9": ask just after "calibrate "
		var items = server.getTextDocumentService().completion(new CompletionParams(new TextDocumentIdentifier(uri), new Position(4, 12)))
				.get(30, TimeUnit.SECONDS);
		List<String> labels = (items.isLeft() ? items.getLeft() : items.getRight().getItems()).stream().map(i -> i.getLabel()).toList();
		assertTrue(labels.containsAll(List.of("minmax", "moving-average", "percentile", "entropy", "l2")), labels.toString());
		assertTrue(labels.size() == 5, "nothing but the methods: " + labels);
	}

	@Test
	void completionOfAModelPathListsTheFolder() throws Exception {
		// line 1 is "\tmodel m \"m.onnx\"": ask inside the string, after the quote
		var items = server.getTextDocumentService().completion(new CompletionParams(new TextDocumentIdentifier(uri), new Position(1, 10)))
				.get(30, TimeUnit.SECONDS);
		List<String> labels = (items.isLeft() ? items.getLeft() : items.getRight().getItems()).stream().map(i -> i.getLabel()).toList();
		assertTrue(labels.containsAll(List.of("m.onnx", "data/", "r.qr")), labels.toString());
	}

	@Test
	void goToDefinitionOfASchemeLandsOnItsDeclaration() throws Exception {
		// "\tschemes mine, fiq_int4": 'mine' starts at character 9 of line 7
		List<? extends Location> locations = server.getTextDocumentService()
				.definition(new DefinitionParams(new TextDocumentIdentifier(uri), new Position(7, 10))).get(30, TimeUnit.SECONDS).getLeft();
		assertEquals(1, locations.size());
		assertEquals(uri, locations.get(0).getUri());
		assertEquals(new Position(3, 10), locations.get(0).getRange().getStart(), "the name in 'quantize mine extends fiq_int8'");
	}

	@Test
	void hoverExplainsAKeyword() throws Exception {
		var hover = server.getTextDocumentService().hover(new HoverParams(new TextDocumentIdentifier(uri), new Position(6, 11))).get(30, TimeUnit.SECONDS);
		String text = hover.getContents().getRight().getValue();
		assertTrue(text.startsWith("**sparsity**: The share of weights"), text);
	}

	@Test
	void formattingLaysOutTheCrampedBlock() throws Exception {
		List<? extends TextEdit> edits = server.getTextDocumentService()
				.formatting(new DocumentFormattingParams(new TextDocumentIdentifier(uri), new FormattingOptions(4, false))).get(30, TimeUnit.SECONDS);
		String formatted = apply(RECIPE, edits);
		assertTrue(formatted.contains("\tprune {\n\t\tsparsity 50%\n\t}\n"), "prune's clause on its own line:\n" + formatted);
	}

	/** The document after the edits, applied from the last to the first. */
	private static String apply(String text, List<? extends TextEdit> edits) {
		List<String> lines = text.lines().toList();
		java.util.function.ToIntFunction<Position> offset = p -> {
			int o = 0;
			for (int i = 0; i < p.getLine(); i++) {
				o += lines.get(i).length() + 1;
			}
			return o + p.getCharacter();
		};
		StringBuilder s = new StringBuilder(text);
		edits.stream().sorted((a, b) -> Integer.compare(offset.applyAsInt(b.getRange().getStart()), offset.applyAsInt(a.getRange().getStart())))
				.forEach(e -> s.replace(offset.applyAsInt(e.getRange().getStart()), offset.applyAsInt(e.getRange().getEnd()), e.getNewText()));
		return s.toString();
	}

	@Test
	void theOutlineListsDeclarationsAndSteps() throws Exception {
		var symbols = server.getTextDocumentService().documentSymbol(new DocumentSymbolParams(new TextDocumentIdentifier(uri))).get(30, TimeUnit.SECONDS);
		DocumentSymbol recipe = symbols.get(0).getRight();
		assertEquals("recipe r", recipe.getName());
		assertEquals(List.of("model m", "dataset calib", "scheme mine", "prune"), recipe.getChildren().stream().map(DocumentSymbol::getName).toList());
	}

	/** The editor's side: keeps the diagnostics the server publishes. */
	private static final class Client implements LanguageClient {
		@Override
		public void publishDiagnostics(PublishDiagnosticsParams p) {
			DIAGNOSTICS.computeIfAbsent(p.getUri(), k -> new CompletableFuture<>()).complete(p);
		}

		@Override
		public void telemetryEvent(Object object) {
		}

		@Override
		public void showMessage(MessageParams messageParams) {
		}

		@Override
		public CompletableFuture<MessageActionItem> showMessageRequest(ShowMessageRequestParams requestParams) {
			return CompletableFuture.completedFuture(null);
		}

		@Override
		public void logMessage(MessageParams message) {
		}
	}
}
