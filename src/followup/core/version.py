"""The package's version, here so core modules (the cache key) can read it without importing the
package root, which is the public API's facade above every layer."""

__version__ = "0.1.0"
