package org.quantrace.ide;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IExecutableExtensionFactory;
import org.eclipse.core.runtime.Status;

/**
 * Creates the connection LSP4E asks for in plugin.xml ({@code org.eclipse.lsp4e.languageServer}): an
 * implementation of its StreamConnectionProvider interface, made at run time as a proxy forwarding to an
 * {@link InProcessRecipeServer}. LSP4E is not on Maven Central, so this bundle is built without it; in an
 * IDE that has it, the interface is found through this bundle's optional import.
 */
public class RecipeServerFactory implements IExecutableExtensionFactory {

	static final String CONNECTION_PROVIDER = "org.eclipse.lsp4e.server.StreamConnectionProvider";

	@Override
	public Object create() throws CoreException {
		try {
			return connection(Class.forName(CONNECTION_PROVIDER, true, RecipeServerFactory.class.getClassLoader()), new InProcessRecipeServer());
		} catch (ClassNotFoundException e) {
			throw new CoreException(Status.error("The Quantrace recipe language server needs Eclipse LSP4E, which is not installed", e));
		}
	}

	/** A {@code type} (an interface) whose methods of the server's names go to {@code server}; its default methods keep their defaults. */
	public static Object connection(Class<?> type, InProcessRecipeServer server) {
		InvocationHandler forward = (proxy, method, args) -> {
			Method target = find(method);
			if (target != null) {
				try {
					return target.invoke(server, args);
				} catch (InvocationTargetException e) {
					throw e.getCause();
				}
			}
			if (method.isDefault()) {
				return InvocationHandler.invokeDefault(proxy, method, args);
			}
			return switch (method.getName()) {
			case "toString" -> "Quantrace recipe language server (in process)";
			case "hashCode" -> System.identityHashCode(proxy);
			case "equals" -> proxy == args[0];
			default -> null;
			};
		};
		return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, forward);
	}

	private static Method find(Method m) {
		try {
			Method target = InProcessRecipeServer.class.getMethod(m.getName(), m.getParameterTypes());
			return target.getDeclaringClass() == InProcessRecipeServer.class ? target : null; // not Object's
		} catch (NoSuchMethodException e) {
			return null;
		}
	}
}
