import { productsInCategory } from "../cosmos.js";
import { productView } from "./products.js";

const PAGE_SIZE = 24;

export async function categoryRoutes(app) {
  app.get("/categories/:slug", async (req) => {
    const page = Number(req.query.page ?? 0);
    const products = await productsInCategory(req.params.slug, page, PAGE_SIZE);
    return { page, products: products.map((p) => productView(p)) };
  });
}
