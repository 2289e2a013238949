# Cortado: `make` builds everything (native kernel archives, the JNI libraries through the
# javacpp Maven plugin, and the runnable jar target/cortado.jar); `make test` runs every test.
MVN ?= mvn -B -ntp

.PHONY: all test native clean default-model
all:
	$(MVN) package -DskipTests

test:
	$(MVN) verify

native:
	$(MAKE) -C native archives

clean:
	$(MAKE) -C native clean
	$(MVN) -q clean

# The default chat model (about an hour on 2 cores): tools/default-model/recipe.sh trains it with
# Cortado's own commands in target/default-model and copies it to testdata/default-model.gguf.
default-model: all
	tools/default-model/recipe.sh
