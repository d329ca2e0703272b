// Every page of the app, by its route name.

import { activity } from "./activity.js";
import { agenda } from "./agenda.js";
import { chat } from "./chat.js";
import { development } from "./development.js";
import { documents } from "./documents.js";
import { feedback } from "./feedback.js";
import { notes } from "./notes.js";
import { prompts } from "./prompts.js";
import { review } from "./review.js";
import { team } from "./team.js";

export const PAGES = { team, agenda, notes, feedback, review, chat, development, activity, prompts, documents };
