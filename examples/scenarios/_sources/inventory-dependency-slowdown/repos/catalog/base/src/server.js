import appInsights from "applicationinsights";
import Fastify from "fastify";
import { categoryRoutes } from "./routes/categories.js";
import { productRoutes } from "./routes/products.js";

appInsights.setup().setAutoCollectExceptions(true).setAutoCollectDependencies(true).start();
appInsights.defaultClient.context.tags[appInsights.defaultClient.context.keys.cloudRole] = "catalog-api";

const app = Fastify({ logger: true });
app.register(productRoutes);
app.register(categoryRoutes);
app.get("/healthz", async () => ({ ok: true }));

await app.listen({ host: "0.0.0.0", port: 8080 });
