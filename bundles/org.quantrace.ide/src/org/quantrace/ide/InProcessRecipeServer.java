package org.quantrace.ide;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

import org.quantrace.dsl.ide.server.RecipeLanguageServer;

/**
 * The recipe language server inside the IDE's JVM, connected to the editor by a loopback socket: the
 * methods LSP4E's StreamConnectionProvider asks for (start, the two streams, stop), by name, so that the
 * proxy of {@link RecipeServerFactory} can forward to them without this bundle compiling against LSP4E.
 */
public final class InProcessRecipeServer {

	private Socket client;
	private Socket server;

	public void start() throws IOException {
		try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			client = new Socket(InetAddress.getLoopbackAddress(), listening.getLocalPort());
			server = listening.accept();
		}
		Socket s = server;
		Thread serving = new Thread(() -> {
			try {
				RecipeLanguageServer.serve(s.getInputStream(), s.getOutputStream(), false);
			} catch (Exception e) {
				// the editor closed the connection
			}
		}, "quantrace-recipe-language-server");
		serving.setDaemon(true);
		serving.start();
	}

	/** What the editor reads: the server's messages. */
	public InputStream getInputStream() throws IOException {
		return client.getInputStream();
	}

	/** Where the editor writes its requests. */
	public OutputStream getOutputStream() throws IOException {
		return client.getOutputStream();
	}

	/** The server logs to the IDE's log, not to a stream. */
	public InputStream getErrorStream() {
		return null;
	}

	public void stop() {
		close(client);
		close(server);
	}

	private static void close(Socket s) {
		try {
			if (s != null) {
				s.close();
			}
		} catch (IOException e) {
			// closing anyway
		}
	}
}
