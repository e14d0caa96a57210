package org.quantrace.engine;

/**
 * A failure the user can act on: the message says what is wrong (naming the file where there is one),
 * the hint says how to fix it. Command-line tools print both and exit without a stack trace.
 */
public class QuantraceException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String hint;

	public QuantraceException(String message) {
		this(message, null, null);
	}

	public QuantraceException(String message, String hint) {
		this(message, hint, null);
	}

	public QuantraceException(String message, String hint, Throwable cause) {
		super(message, cause);
		this.hint = hint;
	}

	/** How to fix it, or null. */
	public String hint() {
		return hint;
	}
}
