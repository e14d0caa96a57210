package org.quantrace.ide.editor;

import org.apache.log4j.AppenderSkeleton;
import org.apache.log4j.Level;
import org.apache.log4j.Logger;
import org.apache.log4j.spi.LoggingEvent;
import org.apache.log4j.spi.ThrowableInformation;
import org.eclipse.core.runtime.ILog;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;

/**
 * Xtext logs through Log4j 1: without an appender its errors (a failed completion, a validator that threw)
 * vanish. This sends warnings and errors to the Eclipse error log, where users and tests see them.
 */
final class XtextLog extends AppenderSkeleton {

	private static final String BUNDLE = "org.quantrace.ide.editor";

	private XtextLog() {
	}

	static synchronized void install() {
		Logger root = Logger.getRootLogger();
		if (root.getAppender(XtextLog.class.getName()) == null) {
			XtextLog appender = new XtextLog();
			appender.setName(XtextLog.class.getName());
			appender.setThreshold(Level.WARN);
			root.addAppender(appender);
		}
	}

	@Override
	protected void append(LoggingEvent event) {
		ThrowableInformation t = event.getThrowableInformation();
		int severity = event.getLevel().isGreaterOrEqual(Level.ERROR) ? IStatus.ERROR : IStatus.WARNING;
		ILog.of(XtextLog.class).log(new Status(severity, BUNDLE, event.getLoggerName() + ": " + event.getRenderedMessage(),
				t == null ? null : t.getThrowable()));
	}

	@Override
	public void close() {
	}

	@Override
	public boolean requiresLayout() {
		return false;
	}
}
