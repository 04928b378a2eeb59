-- Virtual machine deployments (Create Virtual Machine Deployment): the state of their
-- persistent VM roles (role model, instance status and power state, addresses, data disk
-- LUNs, the deployment's virtual network, DNS servers and reserved IP) as one JSON
-- document the server writes and reads; NULL for the deployment of a cloud service
-- package. Every change replaces the document only if it is still the one the change was
-- made from (compare and swap in the UPDATE), so two concurrent changes never lose one.
-- The disks a role uses are rows of the disk repository whose attached_* columns name it.
--
-- Kept in lockstep with ../postgres/0018_virtual_machines.sql.
ALTER TABLE deployments ADD COLUMN vm_state TEXT;
