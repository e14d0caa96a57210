package org.quantrace.design.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import javax.xml.parsers.DocumentBuilderFactory;

import org.eclipse.core.runtime.CoreException;
import org.junit.jupiter.api.Test;
import org.quantrace.ide.InProcessRecipeServer;
import org.quantrace.ide.RecipeServerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The optional LSP4E wiring, tested without LSP4E: plugin.xml declares the server for the .qr content type (opt-in),
 * and the proxy the factory makes speaks LSP through the methods LSP4E's StreamConnectionProvider has.
 */
class EditorWiringTest {

	/** The shape of LSP4E's StreamConnectionProvider, as far as the proxy is concerned. */
	public interface Connection {
		void start() throws IOException;

		InputStream getInputStream() throws IOException;

		OutputStream getOutputStream() throws IOException;

		InputStream getErrorStream();

		void stop();

		default Object getInitializationOptions(java.net.URI root) {
			return "the interface's default";
		}
	}

	@Test
	void theProxyRunsTheLanguageServerInProcess() throws Exception {
		Connection c = (Connection) RecipeServerFactory.connection(Connection.class, new InProcessRecipeServer());
		c.start();
		try {
			String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"processId\":null,\"rootUri\":null,\"capabilities\":{}}}";
			byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
			c.getOutputStream().write(("Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			c.getOutputStream().write(bytes);
			c.getOutputStream().flush();
			String response = read(c.getInputStream());
			assertTrue(response.contains("\"id\":1") && response.contains("completionProvider") && response.contains("hoverProvider"), response);
			assertEquals(null, c.getErrorStream());
			assertEquals("the interface's default", c.getInitializationOptions(null), "default methods keep their defaults");
			assertTrue(c.toString().contains("Quantrace"));
		} finally {
			c.stop();
		}
	}

	@Test
	void withoutLsp4eTheFactorySaysWhatIsMissing() {
		CoreException e = assertThrows(CoreException.class, () -> new RecipeServerFactory().create());
		assertTrue(e.getMessage().contains("LSP4E"), e.getMessage());
	}

	@Test
	void pluginXmlDeclaresTheServerForTheRecipeContentTypeOnlyWhenChosen() throws Exception {
		Document d;
		try (InputStream in = RecipeServerFactory.class.getClassLoader().getResourceAsStream("plugin.xml")) {
			d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
		}
		Element server = (Element) d.getElementsByTagName("server").item(0);
		assertEquals(RecipeServerFactory.class.getName(), server.getAttribute("class"));
		Element mapping = (Element) d.getElementsByTagName("contentTypeMapping").item(0);
		assertEquals("org.quantrace.ide.recipe", mapping.getAttribute("contentType"), "the content type of bundle org.quantrace.ide.editor");
		assertEquals(server.getAttribute("id"), mapping.getAttribute("id"));
		// the in-process editor serves recipes by default: LSP4E's mapping waits for -Dquantrace.recipe.editor=lsp4e
		Element test = (Element) mapping.getElementsByTagName("systemTest").item(0);
		assertEquals("quantrace.recipe.editor", test.getAttribute("property"));
		assertEquals("lsp4e", test.getAttribute("value"));
		assertEquals(0, d.getElementsByTagName("editorContentTypeBinding").getLength(), "the editor binding lives in org.quantrace.ide.editor");
	}

	/** One LSP message: the header, then as many bytes as it announces. */
	private static String read(InputStream in) throws IOException {
		ByteArrayOutputStream header = new ByteArrayOutputStream();
		while (!header.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
			int b = in.read();
			if (b < 0) {
				throw new IOException("the server closed the stream");
			}
			header.write(b);
		}
		String h = header.toString(StandardCharsets.US_ASCII);
		int length = Integer.parseInt(h.substring(h.indexOf("Content-Length:") + 15, h.indexOf("\r\n", h.indexOf("Content-Length:"))).trim());
		return new String(in.readNBytes(length), StandardCharsets.UTF_8);
	}
}
