package org.quantrace.dsl.ide.server;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.log4j.ConsoleAppender;
import org.apache.log4j.Level;
import org.apache.log4j.Logger;
import org.apache.log4j.PatternLayout;
import org.eclipse.lsp4j.InitializeParams;
import org.eclipse.lsp4j.InitializeResult;
import org.eclipse.lsp4j.jsonrpc.Launcher;
import org.eclipse.lsp4j.services.LanguageClient;
import org.eclipse.xtext.ide.server.ILanguageServerShutdownAndExitHandler;
import org.eclipse.xtext.ide.server.LanguageServerImpl;
import org.eclipse.xtext.ide.server.ServerModule;
import org.eclipse.xtext.resource.IResourceServiceProvider;
import org.eclipse.xtext.resource.impl.ResourceServiceProviderRegistryImpl;
import org.quantrace.dsl.ide.RecipeIdeSetup;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.util.Modules;

/**
 * The recipe language server (LSP over a pair of streams, stdio for {@code quantrace lsp}): diagnostics,
 * completion, hover, formatting, outline and go-to-definition for .qr files, for any LSP client. The
 * language is registered directly rather than found through a service loader, so the server also starts
 * inside OSGi. Logging goes to stderr: stdout carries the protocol.
 */
public final class RecipeLanguageServer {

	private RecipeLanguageServer() {
	}

	/** Serves until the client closes the connection; {@code exitJvm}: whether the LSP "exit" notification ends the process. */
	public static void serve(InputStream in, OutputStream out, boolean exitJvm) throws InterruptedException, ExecutionException {
		Future<Void> listening = start(in, out, exitJvm);
		listening.get();
	}

	/** Starts serving and returns at once; the future completes when the connection closes. */
	public static Future<Void> start(InputStream in, OutputStream out, boolean exitJvm) {
		logToStderr();
		Injector injector = Guice.createInjector(Modules.override(new ServerModule()).with(new AbstractModule() {
			@Override
			protected void configure() {
				bind(IResourceServiceProvider.Registry.class).toInstance(registry());
				if (!exitJvm) {
					bind(ILanguageServerShutdownAndExitHandler.class).to(ILanguageServerShutdownAndExitHandler.NullImpl.class);
				}
			}
		}));
		LanguageServerImpl server = injector.getInstance(WorkspaceDefaulting.class);
		Launcher<LanguageClient> launcher = Launcher.createLauncher(server, LanguageClient.class, in, out);
		server.connect(launcher.getRemoteProxy());
		return launcher.startListening();
	}

	/**
	 * Xtext 2.42's server needs a workspace root and fails on an initialize without one (a client editing a
	 * single file): the current folder stands in for it.
	 */
	static class WorkspaceDefaulting extends LanguageServerImpl {
		@Override
		public CompletableFuture<InitializeResult> initialize(InitializeParams params) {
			boolean folders = params.getWorkspaceFolders() != null && !params.getWorkspaceFolders().isEmpty();
			if (params.getRootUri() == null && !folders) {
				params.setRootUri(Path.of("").toAbsolutePath().toUri().toString());
			} else if (params.getRootUri() == null) {
				params.setRootUri(params.getWorkspaceFolders().get(0).getUri());
			}
			return super.initialize(params);
		}
	}

	private static IResourceServiceProvider.Registry registry() {
		IResourceServiceProvider recipes = new RecipeIdeSetup().createInjectorAndDoEMFRegistration().getInstance(IResourceServiceProvider.class);
		ResourceServiceProviderRegistryImpl registry = new ResourceServiceProviderRegistryImpl();
		registry.getExtensionToFactoryMap().put("qr", recipes);
		return registry;
	}

	private static void logToStderr() {
		Logger root = Logger.getRootLogger();
		root.removeAllAppenders();
		ConsoleAppender stderr = new ConsoleAppender(new PatternLayout("%p %c{1} - %m%n"), ConsoleAppender.SYSTEM_ERR);
		root.addAppender(stderr);
		root.setLevel(Level.WARN);
		protocolLogsToStderr();
	}

	/** Held: java.util.logging keeps only weak references to its loggers, and a collected one loses its handler. */
	private static java.util.logging.Logger protocol;

	/**
	 * LSP4J reports a message it cannot read (not JSON, not JSON-RPC) through java.util.logging, with the JSON
	 * library's stack trace: one line to stderr says what was ignored instead, and the server goes on.
	 */
	private static synchronized void protocolLogsToStderr() {
		protocol = java.util.logging.Logger.getLogger("org.eclipse.lsp4j");
		for (java.util.logging.Handler h : protocol.getHandlers()) {
			protocol.removeHandler(h);
		}
		protocol.setUseParentHandlers(false);
		java.io.PrintStream err = System.err;
		protocol.addHandler(new java.util.logging.Handler() {
			@Override
			public void publish(java.util.logging.LogRecord r) {
				if (!isLoggable(r)) {
					return;
				}
				Throwable t = r.getThrown();
				String message = plain(r.getMessage());
				String why = t == null || t.getMessage() == null || plain(t.getMessage()).equals(message) ? "" : " (" + plain(t.getMessage()) + ")";
				err.println("lsp: " + r.getLevel().getName().toLowerCase(java.util.Locale.ROOT) + ": " + message + why
						+ (r.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue() ? "; the message was ignored" : ""));
				err.flush();
			}

			/** On one line, without the exception class names the JSON library puts in front of its messages, the input it echoes cut short. */
			private String plain(String text) {
				String t = text == null ? "" : text.replaceAll("(?:[a-z][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error): ", "").replaceAll("\\s+", " ").trim();
				return t.length() > 160 ? t.substring(0, 157) + "..." : t;
			}

			@Override
			public void flush() {
				err.flush();
			}

			@Override
			public void close() {
				// System.err stays open
			}
		});
	}
}
