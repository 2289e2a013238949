# Cortado: `make` builds everything (native kernel archives, the JNI libraries through the
# javacpp Maven plugin, and the runnable jar target/cortado.jar); `make test` runs every test.
MVN ?= mvn -B -ntp

.PHONY: all test native clean
all:
	$(MVN) package -DskipTests

test:
	$(MVN) verify

native:
	$(MAKE) -C native archives

clean:
	$(MAKE) -C native clean
	$(MVN) -q clean
