// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/export.h>

#include <kunit/visibility.h>

#include "nvsvm_gp100_mmu.h"
#include "nvsvm_vmm.h"

/*
 * The vmm's side of the GP100 format: level geometry, and the entries it
 * writes. The bit layout itself is in nvsvm_gp100_mmu.h.
 */

/*
 * Geometry of the GP100 levels the vmm builds. The vmm maps 4 KiB pages
 * through small page tables and 2 MiB pages by PTEs
 * in PD0; it does not build big (64 KiB) page tables.
 */
const struct nvsvm_vmm_level nvsvm_vmm_gp100_levels[NVSVM_VMM_LEVELS] = {
	[NVSVM_VMM_PD3] = { NVSVM_GP100_PD3_SHIFT, NVSVM_GP100_PD3_BITS,
			    NV_MMU_VER2_PDE__SIZE },
	[NVSVM_VMM_PD2] = { NVSVM_GP100_PD2_SHIFT, NVSVM_GP100_PD2_BITS,
			    NV_MMU_VER2_PDE__SIZE },
	[NVSVM_VMM_PD1] = { NVSVM_GP100_PD1_SHIFT, NVSVM_GP100_PD1_BITS,
			    NV_MMU_VER2_PDE__SIZE },
	[NVSVM_VMM_PD0] = { NVSVM_GP100_PD0_SHIFT, NVSVM_GP100_PD0_BITS,
			    NV_MMU_VER2_DUAL_PDE__SIZE },
	[NVSVM_VMM_LPT] = { NVSVM_GP100_LPT_SHIFT, NVSVM_GP100_LPT_BITS,
			    NV_MMU_VER2_PTE__SIZE },
	[NVSVM_VMM_SPT] = { NVSVM_GP100_SPT_SHIFT, NVSVM_GP100_SPT_BITS,
			    NV_MMU_VER2_PTE__SIZE },
};

/**
 * nvsvm_vmm_gp100_pte() - The PTE of a valid PFN-map entry.
 * @pfn: The entry, see DOC: PFN map input.
 *
 * System pages are mapped system-coherent and volatile, as nouveau does.
 *
 * Context: Any context.
 * Return: The PTE, valid.
 */
u64 nvsvm_vmm_gp100_pte(u64 pfn)
{
	struct nvsvm_gp100_pte pte = {
		.addr = pfn & NVSVM_VMM_PFN_ADDR,
		.kind = NV_MMU_PTE_KIND_PITCH,
		.valid = true,
		.read_only = !(pfn & NVSVM_VMM_PFN_WRITE),
		.atomic_disable = !(pfn & NVSVM_VMM_PFN_ATOMIC),
	};

	if (pfn & NVSVM_VMM_PFN_VRAM) {
		pte.aperture = NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY;
	} else {
		pte.aperture = NV_MMU_VER2_PTE_APERTURE_SYSTEM_COHERENT_MEMORY;
		pte.vol = true;
	}
	return nvsvm_gp100_pte_encode(&pte);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vmm_gp100_pte);

/**
 * nvsvm_vmm_gp100_pte_split() - One 4 KiB PTE of a 2 MiB PTE.
 * @huge_pte: The PTE of the 2 MiB page.
 * @index: Which 4 KiB page of it.
 *
 * Context: Any context.
 * Return: A PTE with the same fields as @huge_pte, for the 4 KiB page.
 */
u64 nvsvm_vmm_gp100_pte_split(u64 huge_pte, unsigned int index)
{
	struct nvsvm_gp100_pte pte;

	nvsvm_gp100_pte_decode(huge_pte, &pte);
	pte.addr += (u64)index << NVSVM_GP100_PAGE_SHIFT_4K;
	return nvsvm_gp100_pte_encode(&pte);
}

/**
 * nvsvm_vmm_gp100_pde() - The PDE of PD3, PD2 or PD1 for a table.
 * @table: VRAM offset of the next level's table.
 *
 * Context: Any context.
 * Return: The PDE.
 */
u64 nvsvm_vmm_gp100_pde(u64 table)
{
	struct nvsvm_gp100_pde pde = {
		.addr = table,
		.aperture = NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY,
	};

	return nvsvm_gp100_pde_encode(&pde);
}

/**
 * nvsvm_vmm_gp100_dual_pde() - The dual PDE of PD0 for its page tables.
 * @big: Whether there is a big page table.
 * @big_table: VRAM offset of the big page table.
 * @small: Whether there is a small page table.
 * @small_table: VRAM offset of the small page table.
 * @data: Where the two words go.
 *
 * A half without a table is left invalid.
 *
 * Context: Any context.
 */
void nvsvm_vmm_gp100_dual_pde(bool big, u64 big_table, bool small,
			      u64 small_table, u64 data[2])
{
	struct nvsvm_gp100_pde b = {
		.addr = big_table,
		.aperture = big ? NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY :
				  NV_MMU_VER2_PDE_APERTURE_INVALID,
	};
	struct nvsvm_gp100_pde s = {
		.addr = small_table,
		.aperture = small ? NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY :
				    NV_MMU_VER2_PDE_APERTURE_INVALID,
	};

	nvsvm_gp100_dual_pde_encode(&b, &s, data);
}
