package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.quantrace.dsl.ide.server.RecipeLanguageServer;

/**
 * {@code quantrace lsp} on input that is not the protocol (issue 16, item 15): a line on stderr per message it
 * ignores, not the JSON library's stack traces, and the server goes on to the end of its input.
 */
class LanguageServerGarbageTest {

	@Test
	void garbageIsIgnoredWithOneLineEach() throws Exception {
		String notJson = "{\"jsonrpc\": \"2.0\", \"x\": bad}";
		String notAMessage = "{\"hello\": 1}";
		String input = frame(notJson) + frame(notAMessage) + "Content-Length: nonsense\r\n\r\n{}";
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		PrintStream saved = System.err;
		try {
			System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
			RecipeLanguageServer.start(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(), false).get(30,
					TimeUnit.SECONDS);
		} finally {
			System.setErr(saved);
		}
		String logged = err.toString(StandardCharsets.UTF_8);
		assertFalse(logged.contains("\tat "), "no stack trace:\n" + logged);
		assertFalse(logged.contains("Exception"), logged);
		assertTrue(logged.lines().allMatch(l -> l.startsWith("lsp: ") || l.startsWith("WARN ") || l.startsWith("ERROR ")), logged);
		assertTrue(logged.contains("the message was ignored"), logged);
	}

	private static String frame(String json) {
		return "Content-Length: " + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json;
	}
}
