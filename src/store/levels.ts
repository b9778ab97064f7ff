// Stock levels as shoppers see them, by the spec's exact thresholds.

export type Level = "out" | "low" | "medium" | "high";

export function levelOf(availableCount: number): Level {
  if (availableCount <= 0) return "out";
  if (availableCount < 150) return "low";
  if (availableCount < 500) return "medium";
  return "high";
}
