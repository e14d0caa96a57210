package org.quantrace.engine;

/** The input (a file, a dataset, an option) is wrong; nothing was run or written. */
public class InvalidInputException extends QuantraceException {

	private static final long serialVersionUID = 1L;

	public InvalidInputException(String message, String hint) {
		super(message, hint);
	}

	public InvalidInputException(String message, String hint, Throwable cause) {
		super(message, hint, cause);
	}
}
