// Greedy completions with node-llama-cpp, llama.cpp's own JavaScript binding: the reference output
// of the current llama.cpp. Arguments: node_modules directory, model file, max tokens, prompts...
// Prints one JSON string per prompt, on its own line.
import {pathToFileURL} from "node:url";
import {join} from "node:path";

const [modules, modelPath, maxTokens, ...prompts] = process.argv.slice(2);
const {getLlama, LlamaCompletion} = await import(pathToFileURL(join(modules, "node-llama-cpp", "dist", "index.js")).href);
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
for (const prompt of prompts) {
    const context = await model.createContext({contextSize: 512, sequences: 1, threads: 1});
    const completion = new LlamaCompletion({contextSequence: context.getSequence()});
    const text = await completion.generateCompletion(prompt, {maxTokens: Number(maxTokens), temperature: 0});
    console.log(JSON.stringify(text));
    await context.dispose();
}
await model.dispose();
await llama.dispose();
