package dev.cortado.chat;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Slash-command parsing, completion and the message for unknown ones. */
class SlashCommandTest {
    @Test
    void parsesNameAndArgument() {
        assertEquals(Optional.of(new SlashCommand("/system", "You are   terse.")), SlashCommand.parse("  /system   You are   terse.  "));
        assertEquals(Optional.of(new SlashCommand("/temp", "0.5")), SlashCommand.parse("/TEMP 0.5"));
        assertEquals(Optional.of(new SlashCommand("/reset", "")), SlashCommand.parse("/reset"));
        assertEquals(Optional.of(new SlashCommand("/save", "my chat.json")), SlashCommand.parse("/save my chat.json"));
    }

    @Test
    void ordinaryTextAndDoubleSlashAreNotCommands() {
        assertTrue(SlashCommand.parse("hello /help").isEmpty());
        assertTrue(SlashCommand.parse("//etc/passwd is a path").isEmpty());
        assertTrue(SlashCommand.parse("").isEmpty());
    }

    @Test
    void everyCommandOfTheIssueIsKnown() {
        for (String c : List.of("/help", "/system", "/reset", "/regen", "/undo", "/temp", "/top_k", "/top_p", "/min_p",
                "/seed", "/max_tokens", "/stats", "/save", "/load", "/exit")) {
            assertTrue(SlashCommand.parse(c).orElseThrow().known(), c);
            assertTrue(SlashCommand.help().contains(c), c);
        }
    }

    @Test
    void completesPrefixes() {
        assertEquals(List.of("/top_k", "/top_p"), SlashCommand.complete("/top"));
        assertEquals(List.of("/reset", "/regen"), SlashCommand.complete("/re"));
        assertEquals(List.of("/help"), SlashCommand.complete("/HE"));
        assertTrue(SlashCommand.complete("/zz").isEmpty());
    }

    @Test
    void unknownCommandsGetAHint() {
        SlashCommand c = SlashCommand.parse("/temperature 3").orElseThrow();
        assertFalse(c.known());
        String m = c.unknownMessage();
        assertTrue(m.contains("unknown command /temperature") && m.contains("/temp") && m.contains("/help"), m);
        assertTrue(SlashCommand.parse("/").orElseThrow().unknownMessage().contains("/help"));
    }
}
