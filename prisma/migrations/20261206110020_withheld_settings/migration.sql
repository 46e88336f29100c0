/*
  A run given per-run settings that are never recorded (chainlink's rpcUrl) records their names, so crash recovery
  does not re-run it without them.
*/
-- AlterTable
ALTER TABLE "JobRun" ADD COLUMN "withheldSettings" JSONB;
