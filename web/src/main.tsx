import { render } from "preact";
import { App } from "./app.tsx";
import { applyTheme, savedTheme } from "./theme.ts";

applyTheme(savedTheme());
render(<App />, document.getElementById("app") as HTMLElement);
