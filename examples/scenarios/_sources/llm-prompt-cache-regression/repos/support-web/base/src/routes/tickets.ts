import { Router } from "express";

const desk = process.env.DESK_URL ?? "https://desk.woodgrove.example";
export const tickets = Router();

tickets.get("/", async (_req, res) => {
  const response = await fetch(`${desk}/api/v2/tickets?status=open`, {
    headers: { authorization: `Bearer ${process.env.DESK_TOKEN}` },
  });
  res.status(response.status).json(await response.json());
});
