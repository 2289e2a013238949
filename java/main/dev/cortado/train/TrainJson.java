package dev.cortado.train;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The one Jackson mapper of the train room (checkpoint state, logs). */
final class TrainJson {
    private TrainJson() {}

    static final ObjectMapper MAPPER = new ObjectMapper();
}
