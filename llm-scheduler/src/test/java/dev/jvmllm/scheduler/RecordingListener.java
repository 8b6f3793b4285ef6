package dev.jvmllm.scheduler;

import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationListener;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Keeps every event it receives, from whatever thread. */
class RecordingListener implements GenerationListener {
    private final List<GenerationEvent> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onEvent(GenerationEvent event) {
        events.add(event);
    }

    List<GenerationEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    List<String> deltas() {
        return events().stream()
                .filter(GenerationEvent.Token.class::isInstance)
                .map(e -> ((GenerationEvent.Token) e).text())
                .toList();
    }

    List<Integer> tokenIds() {
        return events().stream()
                .filter(GenerationEvent.Token.class::isInstance)
                .map(e -> ((GenerationEvent.Token) e).id())
                .toList();
    }

    GenerationEvent last() {
        return events().getLast();
    }
}
