import { useAzureMonitor } from "applicationinsights";
useAzureMonitor();

import express from "express";
import { tickets } from "./routes/tickets.js";

const app = express();
app.use(express.json());
app.use("/api/tickets", tickets);
app.listen(8080);
