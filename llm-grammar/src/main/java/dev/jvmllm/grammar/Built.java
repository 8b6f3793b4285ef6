package dev.jvmllm.grammar;

/** A grammar's rules (for {@link Grammar#toGbnf} and {@link Grammar#wrap}) and their compiled form. */
record Built(Rules rules, CompiledGrammar compiled) {}
