// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * KUnit tests for the GP100 format, the vmm and the emulated GPU.
 *
 * Copyright 2026 The nvsvm authors
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <linux/sizes.h>

#include "hw/nvsvm_emu.h"
#include "nvsvm_gp100_mmu.h"
#include "nvsvm_hw.h"
#include "nvsvm_vmm.h"
#include "nvsvm_vram.h"

#define NVSVM_TEST_VRAM_SIZE	SZ_16M
#define NVSVM_TEST_TIMEOUT_MS	30000
/* A GPU VA with nonzero indices at every level. */
#define NVSVM_TEST_VA		0x0000a5a5a0000000ULL

/* ------------------------------------------------------------------ */
/* GP100 format: encode/decode, against raw values from dev_mmu.ref.txt */

struct nvsvm_pte_case {
	const char *name;
	struct nvsvm_gp100_pte pte;
	u64 raw;
};

static const struct nvsvm_pte_case nvsvm_pte_cases[] = {
	{ "vid-rw", { .addr = 0x123000, .valid = true,
		      .aperture = NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY },
	  0x12301 },
	{ "sys-vol-ro-noatomic", { .addr = 0xabcdef000, .valid = true,
		.aperture = NV_MMU_VER2_PTE_APERTURE_SYSTEM_COHERENT_MEMORY,
		.vol = true, .read_only = true, .atomic_disable = true },
	  0xabcdefcd },
	{ "sys-noncoh", { .addr = 0x1000,  .valid = true,
		.aperture = NV_MMU_VER2_PTE_APERTURE_SYSTEM_NON_COHERENT_MEMORY },
	  0x107 },
	{ "vid-max", { .addr = BIT_ULL(37) - SZ_4K, .valid = true,
		       .aperture = NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY },
	  GENMASK_ULL(32, 8) | 1 },
	{ "sys-max", { .addr = BIT_ULL(58) - SZ_4K, .valid = true,
		.aperture = NV_MMU_VER2_PTE_APERTURE_SYSTEM_COHERENT_MEMORY },
	  GENMASK_ULL(53, 8) | 0x5 },
	{ "kind-priv-encrypted-invalid", { .addr = 0x2000, .kind = 0x06,
		.privilege = true, .encrypted = true,
		.aperture = NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY },
	  0x0600000000000230ULL },
};

static void nvsvm_pte_case_desc(const struct nvsvm_pte_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nvsvm_pte, nvsvm_pte_cases, nvsvm_pte_case_desc);

static void nvsvm_test_pte_roundtrip(struct kunit *test)
{
	const struct nvsvm_pte_case *c = test->param_value;
	struct nvsvm_gp100_pte out;
	u64 raw = nvsvm_gp100_pte_encode(&c->pte);

	KUNIT_EXPECT_EQ(test, raw, c->raw);
	nvsvm_gp100_pte_decode(c->raw, &out);
	KUNIT_EXPECT_EQ(test, out.addr, c->pte.addr);
	KUNIT_EXPECT_EQ(test, out.aperture, c->pte.aperture);
	KUNIT_EXPECT_EQ(test, out.kind, c->pte.kind);
	KUNIT_EXPECT_EQ(test, out.valid, c->pte.valid);
	KUNIT_EXPECT_EQ(test, out.vol, c->pte.vol);
	KUNIT_EXPECT_EQ(test, out.encrypted, c->pte.encrypted);
	KUNIT_EXPECT_EQ(test, out.privilege, c->pte.privilege);
	KUNIT_EXPECT_EQ(test, out.read_only, c->pte.read_only);
	KUNIT_EXPECT_EQ(test, out.atomic_disable, c->pte.atomic_disable);
}

static void nvsvm_test_pde_roundtrip(struct kunit *test)
{
	struct nvsvm_gp100_pde pde = {
		.addr = 0x5000,
		.aperture = NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY,
	}, big = {
		.addr = 0x456700,
		.aperture = NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY,
		.vol = true,
	}, small = {
		.addr = 0x123000,
		.aperture = NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY,
	}, out, out_big, out_small;
	struct nvsvm_gp100_pde sys = {
		.addr = 0x3456789000ULL,
		.aperture = NV_MMU_VER2_PDE_APERTURE_SYSTEM_COHERENT_MEMORY,
		.vol = true,
	};
	u64 data[2];

	KUNIT_EXPECT_EQ(test, nvsvm_gp100_pde_encode(&pde), 0x502);
	nvsvm_gp100_pde_decode(0x502, &out);
	KUNIT_EXPECT_EQ(test, out.addr, pde.addr);
	KUNIT_EXPECT_EQ(test, out.aperture, pde.aperture);
	KUNIT_EXPECT_FALSE(test, out.vol);

	KUNIT_EXPECT_EQ(test, nvsvm_gp100_pde_encode(&sys), 0x34567890cULL);
	nvsvm_gp100_pde_decode(0x34567890cULL, &out);
	KUNIT_EXPECT_EQ(test, out.addr, sys.addr);
	KUNIT_EXPECT_TRUE(test, out.vol);

	/* The big half addresses 256-byte units at bit 4, the small 4 KiB. */
	nvsvm_gp100_dual_pde_encode(&big, &small, data);
	KUNIT_EXPECT_EQ(test, data[0], 0x4567aULL);
	KUNIT_EXPECT_EQ(test, data[1], 0x12302ULL);
	KUNIT_EXPECT_FALSE(test, data[0] & NV_MMU_VER2_DUAL_PDE_IS_PTE);
	nvsvm_gp100_dual_pde_decode(data, &out_big, &out_small);
	KUNIT_EXPECT_EQ(test, out_big.addr, big.addr);
	KUNIT_EXPECT_EQ(test, out_big.aperture, big.aperture);
	KUNIT_EXPECT_TRUE(test, out_big.vol);
	KUNIT_EXPECT_EQ(test, out_small.addr, small.addr);
	KUNIT_EXPECT_EQ(test, out_small.aperture, small.aperture);
}

/* The vmm's PFN-map entries become the PTEs nouveau would write. */
static void nvsvm_test_pfn_to_pte(struct kunit *test)
{
	u64 vram = nvsvm_vmm_pfn_vram(0x123000, NVSVM_VMM_PFN_WRITE |
				      NVSVM_VMM_PFN_ATOMIC);
	/* A system entry, once the vmm has put the page's DMA address in. */
	u64 sys = 0xabcdef000ULL | NVSVM_VMM_PFN_VALID;

	KUNIT_EXPECT_EQ(test, nvsvm_vmm_gp100_pte(vram), 0x12301ULL);
	/* System: coherent, volatile; read-only and atomics off. */
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_gp100_pte(sys), 0xabcdefcdULL);
}

static struct kunit_case nvsvm_gp100_cases[] = {
	KUNIT_CASE_PARAM(nvsvm_test_pte_roundtrip, nvsvm_pte_gen_params),
	KUNIT_CASE(nvsvm_test_pde_roundtrip),
	KUNIT_CASE(nvsvm_test_pfn_to_pte),
	{}
};

static struct kunit_suite nvsvm_gp100_suite = {
	.name = "nvsvm_gp100",
	.test_cases = nvsvm_gp100_cases,
};

/* ------------------------------------------------------------------ */
/* A standalone GPU, VRAM allocator and vmm, without a DRM device. */

struct nvsvm_fixture {
	struct nvsvm_hw *hw;
	struct nvsvm_emu *emu;
	struct nvsvm_vram *vram;
	struct nvsvm_vmm *vmm;
	struct nvsvm_hw_chan *chan;
	struct nvsvm_hw_chan *chan2;
	struct nvsvm_emu_tlb tlb;
	bool tlb_live;
	/* Two 2 MiB data regions of VRAM, @data_nr of them allocated. */
	u64 data[2];
	unsigned int data_nr;
	struct page *pages;
	struct device *dev;
	dma_addr_t dma;
};

#define NVSVM_TEST_SYS_ORDER	2

static int nvsvm_fixture_init(struct kunit *test)
{
	struct nvsvm_fixture *fx;
	int i;

	fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fx);
	test->priv = fx;

	fx->dev = kunit_device_register(test, "nvsvm-kunit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->dev));
	/* No bus gave the device a DMA mask; the GPU addresses 47 bits. */
	fx->dev->dma_mask = &fx->dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(fx->dev,
							DMA_BIT_MASK(47)), 0);
	fx->hw = nvsvm_hw_emu_create(fx->dev, NVSVM_TEST_VRAM_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->hw));
	fx->emu = to_nvsvm_emu(fx->hw);
	fx->vram = nvsvm_vram_create(NVSVM_TEST_VRAM_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->vram));
	for (i = 0; i < ARRAY_SIZE(fx->data); i++, fx->data_nr++)
		KUNIT_ASSERT_EQ(test, nvsvm_vram_alloc(fx->vram, SZ_2M,
						       &fx->data[i]), 0);
	fx->vmm = nvsvm_vmm_create(fx->hw, fx->vram);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->vmm));
	fx->pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, NVSVM_TEST_SYS_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, fx->pages);
	/* For the copy engine and direct accesses; the vmm maps its own. */
	fx->dma = dma_map_page(fx->dev, fx->pages, 0,
			       PAGE_SIZE << NVSVM_TEST_SYS_ORDER,
			       DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(fx->dev, fx->dma));
	return 0;
}

static void nvsvm_fixture_exit(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	int i;

	if (!fx)
		return;
	if (fx->chan)
		nvsvm_hw_chan_destroy(fx->hw, fx->chan);
	if (fx->chan2)
		nvsvm_hw_chan_destroy(fx->hw, fx->chan2);
	if (fx->tlb_live)
		nvsvm_emu_tlb_fini(fx->emu, &fx->tlb);
	if (!IS_ERR_OR_NULL(fx->vmm))
		nvsvm_vmm_destroy(fx->vmm);
	if (fx->dma && !dma_mapping_error(fx->dev, fx->dma))
		dma_unmap_page(fx->dev, fx->dma, PAGE_SIZE << NVSVM_TEST_SYS_ORDER,
			       DMA_BIDIRECTIONAL);
	if (fx->pages)
		__free_pages(fx->pages, NVSVM_TEST_SYS_ORDER);
	if (!IS_ERR_OR_NULL(fx->vram)) {
		for (i = 0; i < fx->data_nr; i++)
			nvsvm_vram_free(fx->vram, fx->data[i], SZ_2M);
		nvsvm_vram_destroy(fx->vram);
	}
	if (!IS_ERR_OR_NULL(fx->hw))
		nvsvm_hw_destroy(fx->hw);
}

/* DMA address of a fixture page, through the fixture's own mapping. */
static u64 nvsvm_sys_addr(struct nvsvm_fixture *fx, unsigned int page)
{
	return fx->dma + (u64)page * PAGE_SIZE;
}

/* PFN-map entry of a fixture page. */
static u64 nvsvm_sys_pfn(struct nvsvm_fixture *fx, unsigned int page, u64 flags)
{
	return nvsvm_vmm_pfn_sys(fx->pages + page, flags);
}

/*
 * The page that the GPU reaches at DMA address @iova, or %NULL (an IOMMU
 * fault, which logs: bracket expected ones with nvsvm_expect_iommu_faults()).
 */
static struct page *nvsvm_iova_page(struct nvsvm_fixture *fx, u64 iova,
				    bool write)
{
	unsigned long pfn;
	int ret;

	nvsvm_emu_iommu_lock(fx->emu);
	ret = nvsvm_emu_iommu_translate(fx->emu, iova, write, &pfn);
	nvsvm_emu_iommu_unlock(fx->emu);
	return ret ? NULL : pfn_to_page(pfn);
}

/* Tell the log checker that the IOMMU faults in between are meant. */
static void nvsvm_expect_iommu_faults(bool begin)
{
	pr_info("nvsvm-iommu-fault-expected: %s\n", begin ? "begin" : "end");
}

static u64 *nvsvm_sys_ptr(struct nvsvm_fixture *fx, unsigned int page)
{
	return page_address(fx->pages + page);
}

/* A read by the GPU, through the fixture's TLB. */
static int nvsvm_gpu_read(struct nvsvm_fixture *fx, u64 va, u64 *value)
{
	struct nvsvm_emu_xlat xlat;
	u8 reason;
	int ret;

	if (!fx->tlb_live) {
		nvsvm_emu_tlb_init(fx->emu, &fx->tlb);
		fx->tlb_live = true;
	}
	ret = nvsvm_emu_translate(fx->emu, &fx->tlb, nvsvm_vmm_pdb(fx->vmm), va,
				  NVSVM_HW_ACCESS_READ, &xlat, &reason);
	if (ret)
		return ret;
	return nvsvm_emu_phys_access(fx->emu, &xlat, va, NVSVM_HW_ACCESS_READ,
				     value);
}

/* ------------------------------------------------------------------ */
/* Walker */

struct nvsvm_walk_case {
	const char *name;
	unsigned int shift;
	u64 va;
};

static const struct nvsvm_walk_case nvsvm_walk_cases[] = {
	{ "4k", NVSVM_GP100_PAGE_SHIFT_4K, NVSVM_TEST_VA + 0x3000 },
	{ "64k", NVSVM_GP100_PAGE_SHIFT_64K, NVSVM_TEST_VA + 0x50000 },
	{ "2m", NVSVM_GP100_PAGE_SHIFT_2M, NVSVM_TEST_VA + 0x600000 },
};

static void nvsvm_walk_case_desc(const struct nvsvm_walk_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nvsvm_walk, nvsvm_walk_cases, nvsvm_walk_case_desc);

/*
 * Build the tables by hand in VRAM, PD3 at 0 and the rest in the next
 * pages, and map one page of the case's size, plus 4 KiB pages around it in
 * the same PD0 entry to check that the walker picks the right table.
 */
static void nvsvm_test_walk(struct kunit *test)
{
	const struct nvsvm_walk_case *c = test->param_value;
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_hw *hw = fx->hw;
	u64 pd3 = fx->data[1], pd2 = pd3 + SZ_4K, pd1 = pd2 + SZ_4K;
	u64 pd0 = pd1 + SZ_4K, spt = pd0 + SZ_4K, lpt = spt + SZ_4K + 0x300;
	u64 page = fx->data[0], size = BIT_ULL(c->shift), off, data[2];
	struct nvsvm_gp100_pde pde = {
		.aperture = NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY,
	}, big = pde, small = pde, none = {};
	struct nvsvm_gp100_pte pte = {
		.valid = true, .read_only = true,
		.aperture = NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY,
	};
	struct nvsvm_emu_xlat xlat;
	unsigned int pd0i, i;
	u8 reason;

	pde.addr = pd2;
	hw->ops->vram_wr64(hw, pd3 + 8 * ((c->va >> 47) & 3),
			   nvsvm_gp100_pde_encode(&pde));
	pde.addr = pd1;
	hw->ops->vram_wr64(hw, pd2 + 8 * ((c->va >> 38) & 511),
			   nvsvm_gp100_pde_encode(&pde));
	pde.addr = pd0;
	hw->ops->vram_wr64(hw, pd1 + 8 * ((c->va >> 29) & 511),
			   nvsvm_gp100_pde_encode(&pde));
	pd0i = (c->va >> 21) & 255;

	pte.addr = page;
	if (c->shift == NVSVM_GP100_PAGE_SHIFT_2M) {
		hw->ops->vram_wr64(hw, pd0 + 16 * pd0i + 8, 0);
		hw->ops->vram_wr64(hw, pd0 + 16 * pd0i,
				   nvsvm_gp100_pte_encode(&pte));
	} else {
		big.addr = lpt;
		small.addr = spt;
		nvsvm_gp100_dual_pde_encode(c->shift == NVSVM_GP100_PAGE_SHIFT_64K ?
					    &big : &none, &small, data);
		hw->ops->vram_wr64(hw, pd0 + 16 * pd0i, data[0]);
		hw->ops->vram_wr64(hw, pd0 + 16 * pd0i + 8, data[1]);
		/* Every small PTE maps somewhere else: data[1] + index. */
		for (i = 0; i < 512; i++) {
			struct nvsvm_gp100_pte other = pte;

			other.addr = fx->data[1] + SZ_1M + i * SZ_4K;
			hw->ops->vram_wr64(hw, spt + 8 * i,
					   nvsvm_gp100_pte_encode(&other));
		}
		if (c->shift == NVSVM_GP100_PAGE_SHIFT_64K)
			hw->ops->vram_wr64(hw, lpt + 8 * ((c->va >> 16) & 31),
					   nvsvm_gp100_pte_encode(&pte));
		else
			hw->ops->vram_wr64(hw, spt + 8 * ((c->va >> 12) & 511),
					   nvsvm_gp100_pte_encode(&pte));
	}

	for (off = 0; off < size; off += size / 4 - 8) {
		KUNIT_ASSERT_EQ(test, nvsvm_emu_walk(fx->emu, pd3, c->va + off,
						     &xlat, &reason), 0);
		KUNIT_EXPECT_EQ(test, xlat.shift, c->shift);
		KUNIT_EXPECT_EQ(test, xlat.addr + ((c->va + off) & (size - 1)),
				page + off);
		KUNIT_EXPECT_TRUE(test, xlat.read_only);
	}

	if (c->shift == NVSVM_GP100_PAGE_SHIFT_64K) {
		/* Beside the big page, the small table is used. */
		KUNIT_ASSERT_EQ(test, nvsvm_emu_walk(fx->emu, pd3, c->va + size,
						     &xlat, &reason), 0);
		KUNIT_EXPECT_EQ(test, xlat.shift, NVSVM_GP100_PAGE_SHIFT_4K);
		KUNIT_EXPECT_EQ(test, xlat.addr, fx->data[1] + SZ_1M +
				(((c->va + size) >> 12) & 511) * SZ_4K);
	}
	/* The next PD0 entry is empty: a PDE fault. */
	KUNIT_EXPECT_EQ(test, nvsvm_emu_walk(fx->emu, pd3, c->va + SZ_2M,
					     &xlat, &reason), -ENOENT);
	KUNIT_EXPECT_EQ(test, reason, NVSVM_HW_FAULT_PDE);
}

/* A table pointer outside VRAM is an error, not an access elsewhere. */
static void nvsvm_test_walk_bad_pointer(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_gp100_pde pde = {
		.aperture = NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY,
		.addr = BIT_ULL(36),
	};
	struct nvsvm_emu_xlat xlat;
	u64 pd3 = fx->data[1];
	u8 reason;

	fx->hw->ops->vram_wr64(fx->hw, pd3, nvsvm_gp100_pde_encode(&pde));
	KUNIT_EXPECT_EQ(test, nvsvm_emu_walk(fx->emu, pd3, 0, &xlat, &reason),
			-EIO);
	KUNIT_EXPECT_EQ(test, nvsvm_emu_walk(fx->emu, pd3, BIT_ULL(49), &xlat,
					     &reason), -ENOENT);
	KUNIT_EXPECT_EQ(test, reason, NVSVM_HW_FAULT_VA_LIMIT);
}

/* ------------------------------------------------------------------ */
/* vmm */

/* The vmm's tables walk to what was mapped, at 4 KiB and at 2 MiB. */
static void nvsvm_test_vmm_map_walk(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	u64 pdb = nvsvm_vmm_pdb(fx->vmm), *pfns, i;
	unsigned int n = SZ_2M / SZ_4K;
	struct nvsvm_emu_xlat xlat;
	u8 reason;

	pfns = kunit_kcalloc(test, n + 1, sizeof(*pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	/* 2 MiB-aligned VA: 512 contiguous VRAM pages, then one system page. */
	for (i = 0; i < n; i++)
		pfns[i] = nvsvm_vmm_pfn_vram(fx->data[0] + i * SZ_4K,
					     NVSVM_VMM_PFN_WRITE);
	pfns[n] = nvsvm_sys_pfn(fx, 1, 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA, n + 1,
						pfns), 0);

	KUNIT_ASSERT_EQ(test, nvsvm_emu_walk(fx->emu, pdb, NVSVM_TEST_VA + 0x12348,
					     &xlat, &reason), 0);
	KUNIT_EXPECT_EQ(test, xlat.shift, NVSVM_GP100_PAGE_SHIFT_2M);
	KUNIT_EXPECT_EQ(test, xlat.addr, fx->data[0]);
	KUNIT_EXPECT_EQ(test, xlat.aperture, NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY);
	KUNIT_EXPECT_FALSE(test, xlat.read_only);
	KUNIT_EXPECT_TRUE(test, xlat.atomic_disable);

	KUNIT_ASSERT_EQ(test, nvsvm_emu_walk(fx->emu, pdb, NVSVM_TEST_VA + SZ_2M,
					     &xlat, &reason), 0);
	KUNIT_EXPECT_EQ(test, xlat.shift, NVSVM_GP100_PAGE_SHIFT_4K);
	KUNIT_EXPECT_PTR_EQ(test, nvsvm_iova_page(fx, xlat.addr, false),
			    fx->pages + 1);
	KUNIT_EXPECT_EQ(test, xlat.aperture,
			NV_MMU_VER2_PTE_APERTURE_SYSTEM_COHERENT_MEMORY);
	KUNIT_EXPECT_TRUE(test, xlat.read_only);
	/* PD3..PD1, PD0 and one small page table. */
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 5);

	/* A 4 KiB remap inside the 2 MiB page splits it, keeping the rest. */
	pfns[0] = nvsvm_sys_pfn(fx, 2, NVSVM_VMM_PFN_WRITE);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA + SZ_1M, 1,
						pfns), 0);
	KUNIT_ASSERT_EQ(test, nvsvm_emu_walk(fx->emu, pdb, NVSVM_TEST_VA + SZ_1M,
					     &xlat, &reason), 0);
	KUNIT_EXPECT_PTR_EQ(test, nvsvm_iova_page(fx, xlat.addr, true),
			    fx->pages + 2);
	KUNIT_ASSERT_EQ(test, nvsvm_emu_walk(fx->emu, pdb,
					     NVSVM_TEST_VA + SZ_1M + SZ_4K,
					     &xlat, &reason), 0);
	KUNIT_EXPECT_EQ(test, xlat.shift, NVSVM_GP100_PAGE_SHIFT_4K);
	KUNIT_EXPECT_EQ(test, xlat.addr, fx->data[0] + SZ_1M + SZ_4K);
	KUNIT_EXPECT_FALSE(test, xlat.read_only);
}

struct nvsvm_skip_case {
	const char *name;
	/* Bit i set: entry i of the second map is valid. */
	u32 valid;
};

static const struct nvsvm_skip_case nvsvm_skip_cases[] = {
	{ "alternate", 0x55555555 },
	{ "holes", 0xf0f0ff0f },
	{ "first-invalid", 0xfffffffe },
	{ "last-invalid", 0x7fffffff },
	{ "one-valid", 0x00010000 },
	{ "none-valid", 0 },
};

static void nvsvm_skip_case_desc(const struct nvsvm_skip_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nvsvm_skip, nvsvm_skip_cases, nvsvm_skip_case_desc);

/*
 * "nouveau: fix storing invalid ptes": map 32 pages to old pages, then map
 * again from an array where some entries are not valid. Those keep the old
 * page; the valid ones get the new page of their own index. Invalid entries
 * carry garbage that would map somewhere if written.
 */
static void nvsvm_test_pfn_map_skip(struct kunit *test)
{
	const struct nvsvm_skip_case *c = test->param_value;
	struct nvsvm_fixture *fx = test->priv;
	u64 pdb = nvsvm_vmm_pdb(fx->vmm), va = NVSVM_TEST_VA + SZ_2M - 16 * SZ_4K;
	u64 pfns[32], old, new;
	struct nvsvm_emu_xlat xlat;
	unsigned int i;
	u8 reason;

	/* The run straddles a PD0 boundary: two small page tables. */
	for (i = 0; i < 32; i++)
		pfns[i] = nvsvm_vmm_pfn_vram(fx->data[0] + i * SZ_4K, 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, va, 32, pfns), 0);

	for (i = 0; i < 32; i++) {
		new = nvsvm_vmm_pfn_vram(fx->data[1] + i * SZ_4K,
					 NVSVM_VMM_PFN_WRITE);
		pfns[i] = c->valid & BIT(i) ? new : new & ~NVSVM_VMM_PFN_VALID;
	}
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, va, 32, pfns), 0);

	for (i = 0; i < 32; i++) {
		old = fx->data[0] + i * SZ_4K;
		new = fx->data[1] + i * SZ_4K;
		KUNIT_ASSERT_EQ(test, nvsvm_emu_walk(fx->emu, pdb, va + i * SZ_4K,
						     &xlat, &reason), 0);
		/* A valid run of 16 may have become one 64 KiB page. */
		KUNIT_EXPECT_EQ_MSG(test, xlat.addr + (i * SZ_4K &
						       (BIT_ULL(xlat.shift) - 1)),
				    c->valid & BIT(i) ? new : old, "page %u", i);
		KUNIT_EXPECT_EQ_MSG(test, xlat.read_only, !(c->valid & BIT(i)),
				    "page %u", i);
	}
}

/* Entries that are all invalid neither map nor allocate anything. */
static void nvsvm_test_pfn_map_all_invalid(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_emu_xlat xlat;
	u64 pfns[8] = { 0, NVSVM_VMM_PFN_WRITE | 0x7000, 0, NVSVM_VMM_PFN_VRAM };
	u8 reason;

	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA, 8, pfns),
			0);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 1);
	KUNIT_EXPECT_EQ(test, nvsvm_emu_walk(fx->emu, nvsvm_vmm_pdb(fx->vmm),
					     NVSVM_TEST_VA, &xlat, &reason),
			-ENOENT);

	/* A VRAM entry beyond VRAM is refused, and nothing is written. */
	pfns[0] = nvsvm_sys_pfn(fx, 0, 0);
	pfns[1] = nvsvm_vmm_pfn_vram(NVSVM_TEST_VRAM_SIZE, 0);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA, 8, pfns),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 1);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, BIT_ULL(49) - SZ_4K, 2,
						pfns), -EINVAL);
}

/*
 * Tables leave the tree when their last entry is unmapped, and their VRAM
 * is freed by the next flush: until the GPU's invalidate has returned, a
 * walk in flight may still read them.
 */
static void nvsvm_test_vmm_unmap_frees(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	u64 base = nvsvm_vram_used(fx->vram), *pfns, i;
	unsigned int n = SZ_2M / SZ_4K;
	struct nvsvm_emu_xlat xlat;
	u8 reason;

	pfns = kunit_kcalloc(test, n, sizeof(*pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 1);

	pfns[0] = nvsvm_vmm_pfn_vram(fx->data[0], 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA, 1, pfns), 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA + SZ_4K, 1,
						pfns), 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA + SZ_2M, 1,
						pfns), 0);
	/* PD3, PD2, PD1, PD0, and two small page tables. */
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 6);
	KUNIT_EXPECT_EQ(test, nvsvm_vram_used(fx->vram), base + 5 * SZ_4K);

	nvsvm_vmm_unmap(fx->vmm, NVSVM_TEST_VA, SZ_4K);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 6);
	nvsvm_vmm_unmap(fx->vmm, NVSVM_TEST_VA + SZ_4K, SZ_4K);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 5);
	KUNIT_EXPECT_EQ(test, nvsvm_emu_walk(fx->emu, nvsvm_vmm_pdb(fx->vmm),
					     NVSVM_TEST_VA, &xlat, &reason),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, nvsvm_emu_walk(fx->emu, nvsvm_vmm_pdb(fx->vmm),
					     NVSVM_TEST_VA + SZ_2M, &xlat, &reason),
			0);
	nvsvm_vmm_unmap(fx->vmm, NVSVM_TEST_VA, SZ_4M);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 1);
	KUNIT_EXPECT_EQ(test, nvsvm_vram_used(fx->vram), base + 5 * SZ_4K);
	nvsvm_vmm_flush(fx->vmm, NVSVM_TEST_VA, SZ_4M);
	KUNIT_EXPECT_EQ(test, nvsvm_vram_used(fx->vram), base);

	/* A 2 MiB page: unmapping part of it splits it, the rest frees all. */
	for (i = 0; i < n; i++)
		pfns[i] = nvsvm_vmm_pfn_vram(fx->data[1] + i * SZ_4K, 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA, n, pfns), 0);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 4);
	nvsvm_vmm_unmap(fx->vmm, NVSVM_TEST_VA + SZ_64K, SZ_64K);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 5);
	KUNIT_EXPECT_EQ(test, nvsvm_emu_walk(fx->emu, nvsvm_vmm_pdb(fx->vmm),
					     NVSVM_TEST_VA + SZ_64K, &xlat,
					     &reason), -ENOENT);
	KUNIT_ASSERT_EQ(test, nvsvm_emu_walk(fx->emu, nvsvm_vmm_pdb(fx->vmm),
					     NVSVM_TEST_VA + 2 * SZ_64K, &xlat,
					     &reason), 0);
	KUNIT_EXPECT_EQ(test, xlat.addr, fx->data[1] + 2 * SZ_64K);
	nvsvm_vmm_unmap(fx->vmm, NVSVM_TEST_VA, SZ_2M);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 1);
	KUNIT_EXPECT_NE(test, nvsvm_vram_used(fx->vram), base);
	nvsvm_vmm_flush_all(fx->vmm);
	KUNIT_EXPECT_EQ(test, nvsvm_vram_used(fx->vram), base);
}

/*
 * A system PTE owns a DMA mapping, which outlives the PTE until the flush:
 * between unmap and flush the GPU still reads the page through its TLB,
 * and after the flush the IOVA is gone from the IOMMU.
 */
static void nvsvm_test_vmm_dma_lifetime(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_emu_iommu *iommu = &fx->emu->iommu;
	long live = atomic_long_read(&iommu->live);
	u64 pdb = nvsvm_vmm_pdb(fx->vmm), pfn, iova, value;
	struct nvsvm_vmm_counts counts;
	struct nvsvm_emu_xlat xlat;
	u8 reason;

	nvsvm_sys_ptr(fx, 3)[0] = 0xfeedULL;
	pfn = nvsvm_sys_pfn(fx, 3, 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA, 1, &pfn),
			0);
	nvsvm_vmm_flush(fx->vmm, NVSVM_TEST_VA, SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iommu->live), live + 1);
	KUNIT_ASSERT_EQ(test, nvsvm_emu_walk(fx->emu, pdb, NVSVM_TEST_VA, &xlat,
					     &reason), 0);
	iova = xlat.addr;
	/* A DMA address, not the physical one; read-only: DMA_TO_DEVICE. */
	KUNIT_EXPECT_NE(test, iova, (u64)page_to_phys(fx->pages + 3));
	KUNIT_EXPECT_PTR_EQ(test, nvsvm_iova_page(fx, iova, false),
			    fx->pages + 3);
	nvsvm_expect_iommu_faults(true);
	KUNIT_EXPECT_NULL(test, nvsvm_iova_page(fx, iova, true));
	nvsvm_expect_iommu_faults(false);

	/* The GPU caches the translation. */
	nvsvm_emu_tlb_init(fx->emu, &fx->tlb);
	fx->tlb_live = true;
	KUNIT_ASSERT_EQ(test, nvsvm_emu_access(fx->emu, &fx->tlb, pdb,
					       NVSVM_TEST_VA, NVSVM_HW_ACCESS_READ,
					       &value, &reason), 0);

	/* PTE gone, not flushed: the mapping stays, the TLB still reads. */
	nvsvm_vmm_unmap(fx->vmm, NVSVM_TEST_VA, SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iommu->live), live + 1);
	value = 0;
	KUNIT_EXPECT_EQ(test, nvsvm_emu_access(fx->emu, &fx->tlb, pdb,
					       NVSVM_TEST_VA, NVSVM_HW_ACCESS_READ,
					       &value, &reason), 0);
	KUNIT_EXPECT_EQ(test, value, 0xfeedULL);

	nvsvm_vmm_flush(fx->vmm, NVSVM_TEST_VA, SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iommu->live), live);
	nvsvm_expect_iommu_faults(true);
	KUNIT_EXPECT_NULL(test, nvsvm_iova_page(fx, iova, false));
	nvsvm_expect_iommu_faults(false);
	nvsvm_vmm_counts(fx->vmm, &counts);
	KUNIT_EXPECT_EQ(test, counts.dma_maps, 1);
	KUNIT_EXPECT_EQ(test, counts.dma_unmaps, 1);
}

/*
 * A flush of another range still flushes the gathered PTEs before their
 * pages are unmapped, and so does the vmm itself when the gather is full.
 */
static void nvsvm_test_vmm_dma_gather(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_emu_iommu *iommu = &fx->emu->iommu;
	long live = atomic_long_read(&iommu->live);
	unsigned int i, n = 2 * NVSVM_VMM_GATHER + 3;
	u64 *pfns;

	pfns = kunit_kcalloc(test, n, sizeof(*pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	for (i = 0; i < n; i++)
		pfns[i] = nvsvm_sys_pfn(fx, i % 4, NVSVM_VMM_PFN_WRITE);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA, n, pfns),
			0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iommu->live), live + n);
	nvsvm_vmm_unmap(fx->vmm, NVSVM_TEST_VA, (u64)n * SZ_4K);
	/* Two full gathers went, each behind an invalidate of its own. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iommu->live), live + 3);
	nvsvm_vmm_flush(fx->vmm, NVSVM_TEST_VA + SZ_1G, SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iommu->live), live);
}

/* A 2 MiB system PTE is one DMA mapping: a partial unmap drops it whole. */
static void nvsvm_test_vmm_dma_huge(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_emu_iommu *iommu = &fx->emu->iommu;
	long live = atomic_long_read(&iommu->live);
	unsigned int i, n = SZ_2M / SZ_4K;
	struct nvsvm_emu_xlat xlat;
	struct page *huge;
	u64 *pfns;
	u8 reason;

	huge = alloc_pages(GFP_KERNEL | __GFP_NOWARN, get_order(SZ_2M));
	if (!huge)
		kunit_skip(test, "no 2 MiB of contiguous memory");
	pfns = kunit_kcalloc(test, n, sizeof(*pfns), GFP_KERNEL);
	if (!pfns) {
		__free_pages(huge, get_order(SZ_2M));
		KUNIT_FAIL(test, "no memory");
		return;
	}
	for (i = 0; i < n; i++)
		pfns[i] = nvsvm_vmm_pfn_sys(huge + i, NVSVM_VMM_PFN_WRITE);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA, n, pfns),
			0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iommu->live), live + 1);
	KUNIT_EXPECT_EQ(test, nvsvm_emu_walk(fx->emu, nvsvm_vmm_pdb(fx->vmm),
					     NVSVM_TEST_VA + SZ_64K, &xlat,
					     &reason), 0);
	KUNIT_EXPECT_EQ(test, xlat.shift, NVSVM_GP100_PAGE_SHIFT_2M);
	KUNIT_EXPECT_PTR_EQ(test, nvsvm_iova_page(fx, xlat.addr + SZ_64K, true),
			    huge + SZ_64K / SZ_4K);

	nvsvm_vmm_unmap(fx->vmm, NVSVM_TEST_VA + SZ_64K, SZ_4K);
	nvsvm_vmm_flush(fx->vmm, NVSVM_TEST_VA, SZ_2M);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iommu->live), live);
	KUNIT_EXPECT_EQ(test, nvsvm_emu_walk(fx->emu, nvsvm_vmm_pdb(fx->vmm),
					     NVSVM_TEST_VA, &xlat, &reason),
			-ENOENT);
	__free_pages(huge, get_order(SZ_2M));
}

/* Walk @va and check its page: size, address, writability. */
static void nvsvm_expect_xlat(struct kunit *test, u64 va, unsigned int shift,
			      u64 addr)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_emu_xlat xlat;
	u8 reason;

	KUNIT_ASSERT_EQ_MSG(test, nvsvm_emu_walk(fx->emu, nvsvm_vmm_pdb(fx->vmm),
						 va, &xlat, &reason), 0,
			    "va %#llx", va);
	KUNIT_EXPECT_EQ_MSG(test, xlat.shift, shift, "va %#llx", va);
	KUNIT_EXPECT_EQ_MSG(test, xlat.addr + (va & (BIT_ULL(xlat.shift) - 1)),
			    addr, "va %#llx", va);
}

/*
 * 64 KiB-aligned runs of 16 contiguous VRAM pages get one 64 KiB PTE in the
 * big page table; a 4 KiB write or unmap inside one splits it into the
 * small page table, and the other 15 pages keep their data's address.
 */
static void nvsvm_test_vmm_big_pages(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	u64 va = NVSVM_TEST_VA + SZ_1M, base = fx->data[0] + SZ_1M, pfns[32];
	struct nvsvm_vmm_counts counts;
	struct nvsvm_emu_xlat xlat;
	u64 *vram, value;
	unsigned int i;
	u8 reason;

	for (i = 0; i < 32; i++)
		pfns[i] = nvsvm_vmm_pfn_vram(base + i * SZ_4K,
					     NVSVM_VMM_PFN_WRITE);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, va, 32, pfns), 0);
	nvsvm_vmm_counts(fx->vmm, &counts);
	KUNIT_EXPECT_EQ(test, counts.big_mapped, 2);
	/* PD3 to PD0 and the big page table: no small one. */
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 5);
	for (i = 0; i < 32; i++)
		nvsvm_expect_xlat(test, va + i * SZ_4K, NVSVM_GP100_PAGE_SHIFT_64K,
				  base + i * SZ_4K);

	/* A 4 KiB write in the first splits it; the second stays whole. */
	pfns[0] = nvsvm_vmm_pfn_vram(fx->data[1], NVSVM_VMM_PFN_WRITE);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, va + 5 * SZ_4K, 1,
						pfns), 0);
	nvsvm_expect_xlat(test, va + 5 * SZ_4K, NVSVM_GP100_PAGE_SHIFT_4K,
			  fx->data[1]);
	for (i = 0; i < 16; i++)
		if (i != 5)
			nvsvm_expect_xlat(test, va + i * SZ_4K,
					  NVSVM_GP100_PAGE_SHIFT_4K,
					  base + i * SZ_4K);
	nvsvm_expect_xlat(test, va + SZ_64K, NVSVM_GP100_PAGE_SHIFT_64K,
			  base + SZ_64K);

	/* An unmap of one page of the second splits it too. */
	nvsvm_vmm_unmap(fx->vmm, va + SZ_64K + 3 * SZ_4K, SZ_4K);
	KUNIT_EXPECT_EQ(test, nvsvm_emu_walk(fx->emu, nvsvm_vmm_pdb(fx->vmm),
					     va + SZ_64K + 3 * SZ_4K, &xlat,
					     &reason), -ENOENT);
	for (i = 16; i < 32; i++)
		if (i != 19)
			nvsvm_expect_xlat(test, va + i * SZ_4K,
					  NVSVM_GP100_PAGE_SHIFT_4K,
					  base + i * SZ_4K);
	/* The big page table emptied and went; the small one maps all. */
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 5);

	/*
	 * Not contiguous (the last page is elsewhere), or not aligned: 4 KiB
	 * PTEs, and the GPU reads each page's own data.
	 */
	vram = nvsvm_emu_vram_ptr(fx->emu, base, SZ_128K);
	for (i = 0; i < 32; i++)
		vram[i * SZ_4K / 8] = 0x1000 + i;
	for (i = 0; i < 16; i++)
		pfns[i] = nvsvm_vmm_pfn_vram(base + (i < 15 ? i : 31) * SZ_4K, 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, va + SZ_128K, 16, pfns),
			0);
	for (i = 0; i < 16; i++)
		pfns[i] = nvsvm_vmm_pfn_vram(base + (i + 1) * SZ_4K, 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, va + 3 * SZ_64K, 16,
						pfns), 0);
	nvsvm_vmm_flush_all(fx->vmm);
	nvsvm_vmm_counts(fx->vmm, &counts);
	KUNIT_EXPECT_EQ(test, counts.big_mapped, 2);
	nvsvm_emu_tlb_init(fx->emu, &fx->tlb);
	fx->tlb_live = true;
	for (i = 0; i < 16; i++) {
		KUNIT_ASSERT_EQ(test, nvsvm_emu_access(fx->emu, &fx->tlb,
						       nvsvm_vmm_pdb(fx->vmm),
						       va + SZ_128K + i * SZ_4K,
						       NVSVM_HW_ACCESS_READ,
						       &value, &reason), 0);
		KUNIT_EXPECT_EQ_MSG(test, value, 0x1000 + (i < 15 ? i : 31),
				    "page %u", i);
		KUNIT_ASSERT_EQ(test, nvsvm_emu_access(fx->emu, &fx->tlb,
						       nvsvm_vmm_pdb(fx->vmm),
						       va + 3 * SZ_64K + i * SZ_4K,
						       NVSVM_HW_ACCESS_READ,
						       &value, &reason), 0);
		KUNIT_EXPECT_EQ_MSG(test, value, 0x1000 + i + 1, "page %u", i);
	}

	/* A 64 KiB page over 4 KiB ones clears them; its table comes back. */
	for (i = 0; i < 16; i++)
		pfns[i] = nvsvm_vmm_pfn_vram(base + SZ_64K + i * SZ_4K, 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, va + SZ_128K, 16, pfns),
			0);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 6);
	for (i = 0; i < 16; i++)
		nvsvm_expect_xlat(test, va + SZ_128K + i * SZ_4K,
				  NVSVM_GP100_PAGE_SHIFT_64K,
				  base + SZ_64K + i * SZ_4K);

	nvsvm_vmm_unmap(fx->vmm, NVSVM_TEST_VA, SZ_2M);
	KUNIT_EXPECT_EQ(test, nvsvm_vmm_tables(fx->vmm), 1);
}

/*
 * A 2 MiB page of VRAM: one PTE in PD0; unmapping one page splits it, and
 * the other 511 keep their addresses.
 */
static void nvsvm_test_vmm_vram_huge_split(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	unsigned int i, n = SZ_2M / SZ_4K;
	struct nvsvm_vmm_counts counts;
	struct nvsvm_emu_xlat xlat;
	u64 *pfns;
	u8 reason;

	pfns = kunit_kcalloc(test, n, sizeof(*pfns), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pfns);
	for (i = 0; i < n; i++)
		pfns[i] = nvsvm_vmm_pfn_vram(fx->data[1] + i * SZ_4K,
					     NVSVM_VMM_PFN_WRITE);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA, n, pfns),
			0);
	nvsvm_vmm_counts(fx->vmm, &counts);
	KUNIT_EXPECT_EQ(test, counts.huge_vram_mapped, 1);
	nvsvm_expect_xlat(test, NVSVM_TEST_VA + 77 * SZ_4K,
			  NVSVM_GP100_PAGE_SHIFT_2M, fx->data[1] + 77 * SZ_4K);

	nvsvm_vmm_unmap(fx->vmm, NVSVM_TEST_VA + 300 * SZ_4K, SZ_4K);
	KUNIT_EXPECT_EQ(test, nvsvm_emu_walk(fx->emu, nvsvm_vmm_pdb(fx->vmm),
					     NVSVM_TEST_VA + 300 * SZ_4K, &xlat,
					     &reason), -ENOENT);
	for (i = 0; i < n; i++)
		if (i != 300)
			nvsvm_expect_xlat(test, NVSVM_TEST_VA + i * SZ_4K,
					  NVSVM_GP100_PAGE_SHIFT_4K,
					  fx->data[1] + i * SZ_4K);
}

static struct kunit_case nvsvm_vmm_cases[] = {
	KUNIT_CASE_PARAM(nvsvm_test_walk, nvsvm_walk_gen_params),
	KUNIT_CASE(nvsvm_test_walk_bad_pointer),
	KUNIT_CASE(nvsvm_test_vmm_map_walk),
	KUNIT_CASE_PARAM(nvsvm_test_pfn_map_skip, nvsvm_skip_gen_params),
	KUNIT_CASE(nvsvm_test_pfn_map_all_invalid),
	KUNIT_CASE(nvsvm_test_vmm_unmap_frees),
	KUNIT_CASE(nvsvm_test_vmm_dma_lifetime),
	KUNIT_CASE(nvsvm_test_vmm_dma_gather),
	KUNIT_CASE(nvsvm_test_vmm_dma_huge),
	KUNIT_CASE(nvsvm_test_vmm_big_pages),
	KUNIT_CASE(nvsvm_test_vmm_vram_huge_split),
	{}
};

static struct kunit_suite nvsvm_vmm_suite = {
	.name = "nvsvm_vmm",
	.init = nvsvm_fixture_init,
	.exit = nvsvm_fixture_exit,
	.test_cases = nvsvm_vmm_cases,
};

/* ------------------------------------------------------------------ */
/* TLB, faults, copy engine, exec engine */

/* Without an invalidate the GPU reads the old page; after one, the new. */
static void nvsvm_test_tlb_stale(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	u64 pfn, value = 0;

	fx->hw->ops->vram_wr64(fx->hw, fx->data[0], 0xaaaa);
	fx->hw->ops->vram_wr64(fx->hw, fx->data[1], 0xbbbb);

	pfn = nvsvm_vmm_pfn_vram(fx->data[0], 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA, 1, &pfn), 0);
	KUNIT_ASSERT_EQ(test, nvsvm_gpu_read(fx, NVSVM_TEST_VA, &value), 0);
	KUNIT_EXPECT_EQ(test, value, 0xaaaa);

	pfn = nvsvm_vmm_pfn_vram(fx->data[1], 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_VA, 1, &pfn), 0);
	KUNIT_ASSERT_EQ(test, nvsvm_gpu_read(fx, NVSVM_TEST_VA, &value), 0);
	KUNIT_EXPECT_EQ_MSG(test, value, 0xaaaa, "PTE change seen without invalidate");

	/* An invalidate of another range, or of another VM, changes nothing. */
	nvsvm_vmm_flush(fx->vmm, NVSVM_TEST_VA + SZ_4K, SZ_4K);
	nvsvm_hw_tlb_invalidate(fx->hw, nvsvm_vmm_pdb(fx->vmm) + SZ_4K, 0, U64_MAX);
	KUNIT_ASSERT_EQ(test, nvsvm_gpu_read(fx, NVSVM_TEST_VA, &value), 0);
	KUNIT_EXPECT_EQ(test, value, 0xaaaa);

	nvsvm_vmm_flush(fx->vmm, NVSVM_TEST_VA, SZ_4K);
	KUNIT_ASSERT_EQ(test, nvsvm_gpu_read(fx, NVSVM_TEST_VA, &value), 0);
	KUNIT_EXPECT_EQ(test, value, 0xbbbb);

	/* Unmapped but not invalidated: still readable; then a fault. */
	nvsvm_vmm_unmap(fx->vmm, NVSVM_TEST_VA, SZ_4K);
	KUNIT_EXPECT_EQ(test, nvsvm_gpu_read(fx, NVSVM_TEST_VA, &value), 0);
	nvsvm_vmm_flush_all(fx->vmm);
	KUNIT_EXPECT_EQ(test, nvsvm_gpu_read(fx, NVSVM_TEST_VA, &value), -ENOENT);
}

static int nvsvm_wait_put(struct nvsvm_fixture *fx, u32 put)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(NVSVM_TEST_TIMEOUT_MS);

	while (nvsvm_hw_fault_put(fx->hw) == put) {
		if (time_after(jiffies, timeout))
			return -ETIMEDOUT;
		usleep_range(200, 1000);
	}
	return 0;
}

static void nvsvm_fence_put_action(void *fence)
{
	dma_fence_put(fence);
}

/* Give the test's fence reference to KUnit, which drops it at the end. */
static struct dma_fence *nvsvm_track(struct kunit *test, struct dma_fence *fence)
{
	KUNIT_ASSERT_FALSE(test, IS_ERR(fence));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							nvsvm_fence_put_action,
							fence), 0);
	return fence;
}

static int nvsvm_fence_wait(struct dma_fence *fence)
{
	long ret = dma_fence_wait_timeout(fence, false,
					  msecs_to_jiffies(NVSVM_TEST_TIMEOUT_MS));

	return ret > 0 ? fence->error : -ETIMEDOUT;
}

static struct dma_fence *nvsvm_submit(struct kunit *test,
				      struct nvsvm_fixture *fx,
				      const struct nvsvm_hw_op *op)
{
	if (!fx->chan) {
		fx->chan = nvsvm_hw_chan_create(fx->hw, nvsvm_vmm_pdb(fx->vmm));
		KUNIT_ASSERT_FALSE(test, IS_ERR(fx->chan));
	}
	return nvsvm_track(test, nvsvm_hw_job_submit(fx->hw, fx->chan, op, 1));
}

/* Where the fault tests put their result word and their target page. */
#define NVSVM_TEST_RESULT_VA	NVSVM_TEST_VA
#define NVSVM_TEST_TARGET_VA	(NVSVM_TEST_VA + SZ_64K)

struct nvsvm_fault_case {
	const char *name;
	struct nvsvm_hw_op op;
	/* PFN flags the target page is mapped with, or 0 for unmapped. */
	u64 target_flags;
	enum nvsvm_hw_access access;
	enum nvsvm_hw_fault_reason reason;
};

static const struct nvsvm_fault_case nvsvm_fault_cases[] = {
	{ "read-miss", { .opcode = NVSVM_HW_OP_CHECKSUM,
			 .dst = NVSVM_TEST_RESULT_VA,
			 .src0 = NVSVM_TEST_TARGET_VA + 8, .len = 8 },
	  0, NVSVM_HW_ACCESS_READ, NVSVM_HW_FAULT_PTE },
	{ "write-miss", { .opcode = NVSVM_HW_OP_FILL,
			  .dst = NVSVM_TEST_TARGET_VA + 16, .len = 8, .imm = 7 },
	  0, NVSVM_HW_ACCESS_WRITE, NVSVM_HW_FAULT_PTE },
	{ "atomic-miss", { .opcode = NVSVM_HW_OP_ATOMIC_ADD,
			   .dst = NVSVM_TEST_TARGET_VA, .len = 8, .imm = 7 },
	  0, NVSVM_HW_ACCESS_ATOMIC, NVSVM_HW_FAULT_PTE },
	{ "write-read-only", { .opcode = NVSVM_HW_OP_FILL,
			       .dst = NVSVM_TEST_TARGET_VA, .len = 8, .imm = 7 },
	  NVSVM_VMM_PFN_VALID, NVSVM_HW_ACCESS_WRITE, NVSVM_HW_FAULT_RO },
	{ "atomic-disabled", { .opcode = NVSVM_HW_OP_ATOMIC_ADD,
			       .dst = NVSVM_TEST_TARGET_VA, .len = 8, .imm = 7 },
	  NVSVM_VMM_PFN_VALID | NVSVM_VMM_PFN_WRITE, NVSVM_HW_ACCESS_ATOMIC,
	  NVSVM_HW_FAULT_ATOMIC },
};

static void nvsvm_fault_case_desc(const struct nvsvm_fault_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nvsvm_fault, nvsvm_fault_cases, nvsvm_fault_case_desc);

/*
 * A job faults: the entry says what and where, the job stalls until the
 * driver acts. Then the driver cancels it, and the job fails with -EFAULT.
 */
static void nvsvm_test_fault_entry(struct kunit *test)
{
	const struct nvsvm_fault_case *c = test->param_value;
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_hw_fault *ring = nvsvm_hw_fault_buffer(fx->hw), e;
	u64 pfn, before = ktime_get_ns();
	struct dma_fence *fence;
	u32 put = nvsvm_hw_fault_put(fx->hw);

	pfn = nvsvm_vmm_pfn_vram(fx->data[0], NVSVM_VMM_PFN_WRITE);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_RESULT_VA, 1,
						&pfn), 0);
	if (c->target_flags) {
		pfn = (fx->data[1] & NVSVM_VMM_PFN_ADDR) | NVSVM_VMM_PFN_VRAM |
		      c->target_flags;
		KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm,
							NVSVM_TEST_TARGET_VA, 1,
							&pfn), 0);
	}

	fence = nvsvm_submit(test, fx, &c->op);
	KUNIT_ASSERT_EQ(test, nvsvm_wait_put(fx, put), 0);
	KUNIT_EXPECT_EQ(test, nvsvm_hw_fault_put(fx->hw),
			(put + 1) % NVSVM_HW_FAULT_ENTRIES);
	e = ring[put];
	KUNIT_EXPECT_EQ(test, e.valid, 1);
	KUNIT_EXPECT_EQ(test, e.inst, nvsvm_vmm_pdb(fx->vmm));
	KUNIT_EXPECT_EQ(test, e.va, NVSVM_TEST_TARGET_VA);
	KUNIT_EXPECT_EQ(test, e.access, c->access);
	KUNIT_EXPECT_EQ(test, e.reason, c->reason);
	KUNIT_EXPECT_EQ(test, e.client, NVSVM_HW_CLIENT_EXEC);
	KUNIT_EXPECT_EQ(test, e.chid, nvsvm_hw_chan_id(fx->hw, fx->chan));
	KUNIT_EXPECT_GE(test, e.timestamp, before);
	KUNIT_EXPECT_LE(test, e.timestamp, ktime_get_ns());

	/* The job waits for the driver. */
	msleep(20);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(fence));
	ring[put].valid = 0;
	nvsvm_hw_fault_set_get(fx->hw, put + 1);
	nvsvm_hw_fault_cancel(fx->hw, e.inst, e.va, e.access);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), -EFAULT);
	KUNIT_EXPECT_FALSE(test, nvsvm_hw_fault_overflow(fx->hw));
}

/* Replay after mapping: the stalled job resumes and its data lands. */
static void nvsvm_test_fault_replay(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_hw_op op = {
		.opcode = NVSVM_HW_OP_FILL, .dst = NVSVM_TEST_TARGET_VA,
		.len = 3 * SZ_4K, .imm = 0x1234,
	};
	u64 pfns[3], *sys = nvsvm_sys_ptr(fx, 0);
	struct dma_fence *fence;
	u32 put = nvsvm_hw_fault_put(fx->hw);
	int i;

	fence = nvsvm_submit(test, fx, &op);
	KUNIT_ASSERT_EQ(test, nvsvm_wait_put(fx, put), 0);
	for (i = 0; i < 3; i++)
		pfns[i] = nvsvm_sys_pfn(fx, i, NVSVM_VMM_PFN_WRITE);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_TARGET_VA, 3,
						pfns), 0);
	nvsvm_hw_fault_set_get(fx->hw, nvsvm_hw_fault_put(fx->hw));
	nvsvm_hw_fault_replay(fx->hw);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), 0);
	for (i = 0; i < 3 * SZ_4K / 8; i++)
		KUNIT_EXPECT_EQ(test, sys[i], 0x1234);
}

/*
 * A cancel spares weaker accesses: a write and a read stall on one page,
 * on two channels; cancelling the write leaves the read stalled, and once
 * the page is mapped read-only the replay completes it.
 */
static void nvsvm_test_fault_cancel_access(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_hw_op write = {
		.opcode = NVSVM_HW_OP_FILL, .dst = NVSVM_TEST_TARGET_VA,
		.len = 8, .imm = 7,
	};
	struct nvsvm_hw_op read = {
		.opcode = NVSVM_HW_OP_CHECKSUM, .dst = NVSVM_TEST_RESULT_VA,
		.src0 = NVSVM_TEST_TARGET_VA, .len = 8,
	};
	struct dma_fence *fw, *fr;
	u32 put = nvsvm_hw_fault_put(fx->hw);
	u64 pfn, inst = nvsvm_vmm_pdb(fx->vmm);

	pfn = nvsvm_vmm_pfn_vram(fx->data[0], NVSVM_VMM_PFN_WRITE);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_RESULT_VA, 1,
						&pfn), 0);
	fx->chan2 = nvsvm_hw_chan_create(fx->hw, inst);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->chan2));

	fw = nvsvm_submit(test, fx, &write);
	KUNIT_ASSERT_EQ(test, nvsvm_wait_put(fx, put), 0);
	fr = nvsvm_track(test, nvsvm_hw_job_submit(fx->hw, fx->chan2, &read, 1));
	KUNIT_ASSERT_EQ(test, nvsvm_wait_put(fx, (put + 1) %
					      NVSVM_HW_FAULT_ENTRIES), 0);
	nvsvm_hw_fault_set_get(fx->hw, nvsvm_hw_fault_put(fx->hw));

	nvsvm_hw_fault_cancel(fx->hw, inst, NVSVM_TEST_TARGET_VA,
			      NVSVM_HW_ACCESS_WRITE);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fw), -EFAULT);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(fr));

	pfn = nvsvm_vmm_pfn_vram(fx->data[1], 0);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, NVSVM_TEST_TARGET_VA, 1,
						&pfn), 0);
	nvsvm_hw_fault_replay(fx->hw);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fr), 0);
}

/* A full ring drops faults and says so; the access faults again later. */
static void nvsvm_test_fault_overflow(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_hw_op op = {
		.opcode = NVSVM_HW_OP_FILL, .dst = NVSVM_TEST_TARGET_VA,
		.len = 8, .imm = 1,
	};
	unsigned long timeout;
	struct dma_fence *fence;
	u32 get = nvsvm_hw_fault_get(fx->hw), put, i;

	fence = nvsvm_submit(test, fx, &op);
	/*
	 * The first fault, then one more per replay without fixing anything,
	 * until the ring is full. The first fault is waited for on its own:
	 * the channel may have raised it before PUT is first read here.
	 */
	KUNIT_ASSERT_EQ(test, nvsvm_wait_put(fx, get), 0);
	for (i = 1; i < NVSVM_HW_FAULT_ENTRIES - 1; i++) {
		put = nvsvm_hw_fault_put(fx->hw);
		nvsvm_hw_fault_replay(fx->hw);
		KUNIT_ASSERT_EQ_MSG(test, nvsvm_wait_put(fx, put), 0,
				    "replay %u: PUT stayed %u, GET %u", i, put,
				    nvsvm_hw_fault_get(fx->hw));
	}
	KUNIT_EXPECT_EQ(test, (nvsvm_hw_fault_put(fx->hw) + 1) %
			NVSVM_HW_FAULT_ENTRIES, get);
	KUNIT_EXPECT_FALSE(test, nvsvm_hw_fault_overflow(fx->hw));

	nvsvm_hw_fault_replay(fx->hw);
	timeout = jiffies + msecs_to_jiffies(NVSVM_TEST_TIMEOUT_MS);
	while (!nvsvm_hw_fault_overflow(fx->hw)) {
		KUNIT_ASSERT_TRUE(test, time_before(jiffies, timeout));
		usleep_range(200, 1000);
	}
	KUNIT_EXPECT_EQ(test, (nvsvm_hw_fault_put(fx->hw) + 1) %
			NVSVM_HW_FAULT_ENTRIES, get);

	/* The driver drains the ring and replays: the fault is back. */
	put = nvsvm_hw_fault_put(fx->hw);
	nvsvm_hw_fault_set_get(fx->hw, put);
	nvsvm_hw_fault_replay(fx->hw);
	KUNIT_ASSERT_EQ(test, nvsvm_wait_put(fx, put), 0);
	KUNIT_EXPECT_EQ(test, nvsvm_hw_fault_buffer(fx->hw)[put].va,
			NVSVM_TEST_TARGET_VA);
	nvsvm_hw_fault_cancel(fx->hw, nvsvm_vmm_pdb(fx->vmm),
			      NVSVM_TEST_TARGET_VA, NVSVM_HW_ACCESS_READ);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), -EFAULT);
}

struct nvsvm_ce_case {
	const char *name;
	u32 src_aperture;
	u32 dst_aperture;
	/* Offsets into the source and destination; lengths cross pages. */
	u64 src_off;
	u64 dst_off;
	u64 len;
};

static const struct nvsvm_ce_case nvsvm_ce_cases[] = {
	{ "sys-to-vram", NVSVM_HW_APERTURE_SYS_COHERENT, NVSVM_HW_APERTURE_VRAM,
	  0, 0, 2 * SZ_4K },
	{ "vram-to-sys", NVSVM_HW_APERTURE_VRAM, NVSVM_HW_APERTURE_SYS_COHERENT,
	  0x100, 0x2f0, SZ_4K + 0x123 },
	{ "vram-to-vram", NVSVM_HW_APERTURE_VRAM, NVSVM_HW_APERTURE_VRAM,
	  0x8, SZ_1M, 3 * SZ_4K },
	/* Whole pages, page by page; up into itself, from the last page. */
	{ "vram-to-vram-pages", NVSVM_HW_APERTURE_VRAM, NVSVM_HW_APERTURE_VRAM,
	  0, SZ_1M, 4 * SZ_4K },
	{ "vram-overlap-up", NVSVM_HW_APERTURE_VRAM, NVSVM_HW_APERTURE_VRAM,
	  0, SZ_4K, 4 * SZ_4K },
	{ "sys-to-sys-noncoh", NVSVM_HW_APERTURE_SYS_NONCOHERENT,
	  NVSVM_HW_APERTURE_SYS_NONCOHERENT, 0x10, 2 * SZ_4K + 0x18, 0x1800 },
};

static void nvsvm_ce_case_desc(const struct nvsvm_ce_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nvsvm_ce, nvsvm_ce_cases, nvsvm_ce_case_desc);

static bool nvsvm_ce_is_vram(u32 aperture)
{
	return aperture == NVSVM_HW_APERTURE_VRAM;
}

static u8 *nvsvm_ce_ptr(struct nvsvm_fixture *fx, u32 aperture, u64 off)
{
	if (nvsvm_ce_is_vram(aperture))
		return (u8 *)nvsvm_emu_vram_ptr(fx->emu, fx->data[0] + off, 1);
	return (u8 *)nvsvm_sys_ptr(fx, 0) + off;
}

/* Byte @i of a copy's source: no two pages of it alike. */
static u8 nvsvm_ce_byte(u64 i)
{
	return i * 7 + 3 + i / SZ_4K;
}

static void nvsvm_test_ce_copy(struct kunit *test)
{
	const struct nvsvm_ce_case *c = test->param_value;
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_hw_copy copy = {
		.src_aperture = c->src_aperture,
		.dst_aperture = c->dst_aperture,
		.len = c->len,
	};
	u8 *src = nvsvm_ce_ptr(fx, c->src_aperture, c->src_off);
	u8 *dst = nvsvm_ce_ptr(fx, c->dst_aperture, c->dst_off);
	struct dma_fence *fence;
	u64 i;

	for (i = 0; i < c->len; i++)
		src[i] = nvsvm_ce_byte(i);
	memset(dst + c->len, 0x5a, 8);
	copy.src = nvsvm_ce_is_vram(c->src_aperture) ? fx->data[0] + c->src_off :
		   nvsvm_sys_addr(fx, 0) + c->src_off;
	copy.dst = nvsvm_ce_is_vram(c->dst_aperture) ? fx->data[0] + c->dst_off :
		   nvsvm_sys_addr(fx, 0) + c->dst_off;

	fence = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &copy, 1));
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), 0);
	for (i = 0; i < c->len; i++)
		if (dst[i] != nvsvm_ce_byte(i))
			break;
	KUNIT_EXPECT_EQ(test, i, c->len);
	KUNIT_EXPECT_EQ(test, dst[c->len], 0x5a);
}

/* Bad copies: refused at submit, or failed by the engine, never done. */
static void nvsvm_test_ce_bad(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_hw_copy copy = {
		.src_aperture = NVSVM_HW_APERTURE_VRAM,
		.dst_aperture = NVSVM_HW_APERTURE_VRAM,
		.src = NVSVM_TEST_VRAM_SIZE - SZ_4K,
		.len = SZ_8K,
	};
	struct dma_fence *fence;

	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(fx->hw, &copy, 1)),
			-EINVAL);
	copy.src = 0;
	copy.len = NVSVM_HW_COPY_MAX_LEN + 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(fx->hw, &copy, 1)),
			-EINVAL);
	copy.len = SZ_4K;
	copy.src_aperture = NVSVM_HW_APERTURE_COUNT;
	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(fx->hw, &copy, 1)),
			-EINVAL);

	/* Nothing mapped at this DMA address: an IOMMU fault. */
	copy.src_aperture = NVSVM_HW_APERTURE_SYS_COHERENT;
	copy.src = BIT_ULL(52);
	nvsvm_expect_iommu_faults(true);
	fence = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &copy, 1));
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), -EIO);
	nvsvm_expect_iommu_faults(false);
}

/* A work item that holds the copy engine's workqueue until released. */
struct nvsvm_ce_blocker {
	struct work_struct work;
	struct completion go;
};

static void nvsvm_ce_blocker_fn(struct work_struct *work)
{
	wait_for_completion(&container_of(work, struct nvsvm_ce_blocker,
					  work)->go);
}

static void nvsvm_ce_blocker_release(void *arg)
{
	struct nvsvm_ce_blocker *b = arg;

	complete_all(&b->go);
	flush_work(&b->work);
}

static void nvsvm_ce_blocker_start(struct kunit *test, struct nvsvm_emu *emu,
				   struct nvsvm_ce_blocker *b)
{
	INIT_WORK(&b->work, nvsvm_ce_blocker_fn);
	init_completion(&b->go);
	queue_work(emu->ce[0].wq, &b->work);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							nvsvm_ce_blocker_release,
							b), 0);
}

static void nvsvm_ce_inline_restore(void *arg)
{
	nvsvm_emu_ce_inline_kb = (uintptr_t)arg;
}

static void nvsvm_ce_engines_restore(void *arg)
{
	nvsvm_emu_ce_engines = (uintptr_t)arg;
}

/*
 * An idle copy engine runs a small batch before ce_copy returns; behind a
 * pending batch, or above ce_inline_kb, a batch is queued, and batches
 * still run in order. A blocker on the engine's workqueue holds queued
 * batches; it is no batch itself, so the engine counts as idle. One engine
 * takes batches here; nvsvm_test_ce_engines() has two.
 */
static void nvsvm_test_ce_inline(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_ce_blocker *b1, *b2;
	struct nvsvm_hw_copy small = {
		.src = nvsvm_sys_addr(fx, 0),
		.src_aperture = NVSVM_HW_APERTURE_SYS_COHERENT,
		.dst = fx->data[0], .dst_aperture = NVSVM_HW_APERTURE_VRAM,
		.len = SZ_4K,
	};
	struct nvsvm_hw_copy big = {
		.src = fx->data[1], .src_aperture = NVSVM_HW_APERTURE_VRAM,
		.dst = fx->data[0], .dst_aperture = NVSVM_HW_APERTURE_VRAM,
		.len = SZ_1M,
	};
	struct nvsvm_hw_copy bad = small;
	u64 *sys = nvsvm_sys_ptr(fx, 0), *vram, *vram1;
	long inlined = atomic_long_read(&fx->emu->ce_inline);
	struct dma_fence *f1, *f2, *f3, *f4, *f5;
	void *saved;
	bool done;

	b1 = kunit_kzalloc(test, sizeof(*b1), GFP_KERNEL);
	b2 = kunit_kzalloc(test, sizeof(*b2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b1);
	KUNIT_ASSERT_NOT_NULL(test, b2);
	saved = (void *)(uintptr_t)nvsvm_emu_ce_inline_kb;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							nvsvm_ce_inline_restore,
							saved), 0);
	saved = (void *)(uintptr_t)nvsvm_emu_ce_engines;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							nvsvm_ce_engines_restore,
							saved), 0);
	nvsvm_emu_ce_inline_kb = 64;
	nvsvm_emu_ce_engines = 1;
	vram = nvsvm_emu_vram_ptr(fx->emu, fx->data[0], SZ_1M);
	vram1 = nvsvm_emu_vram_ptr(fx->emu, fx->data[1], SZ_1M);
	memset64(vram1, 2, SZ_1M / 8);
	memset64(vram, 0, SZ_1M / 8);

	nvsvm_ce_blocker_start(test, fx->emu, b1);
	/* Idle: done on return, though the workqueue is held. */
	sys[0] = 1;
	f1 = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &small, 1));
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(f1));
	KUNIT_EXPECT_EQ(test, f1->error, 0);
	KUNIT_EXPECT_EQ(test, vram[0], 1);

	/* Too big: queued. Then a small one behind it: queued too. */
	f2 = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &big, 1));
	sys[0] = 3;
	f3 = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &small, 1));
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(f2));
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(f3));
	KUNIT_EXPECT_EQ(test, vram[0], 1);
	nvsvm_ce_blocker_release(b1);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(f3), 0);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(f2));
	/* In order: the small copy over the big one. */
	KUNIT_EXPECT_EQ(test, vram[0], 3);
	KUNIT_EXPECT_EQ(test, vram[SZ_4K / 8], 2);
	/*
	 * A signalled fence does not make the engine idle: its work item
	 * still holds run_lock and the batch is pending for a moment.
	 */
	flush_workqueue(fx->emu->ce[0].wq);

	/* An IOMMU fault fails an inline batch as it does a queued one. */
	bad.src = BIT_ULL(52);
	nvsvm_expect_iommu_faults(true);
	f4 = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &bad, 1));
	done = dma_fence_is_signaled(f4);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(f4), -EIO);
	nvsvm_expect_iommu_faults(false);
	KUNIT_EXPECT_TRUE(test, done);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&fx->emu->ce_inline),
			inlined + 2);

	/* ce_inline_kb=0: never inline. */
	nvsvm_emu_ce_inline_kb = 0;
	nvsvm_ce_blocker_start(test, fx->emu, b2);
	sys[0] = 5;
	f5 = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &small, 1));
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(f5));
	nvsvm_ce_blocker_release(b2);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(f5), 0);
	KUNIT_EXPECT_EQ(test, vram[0], 5);
}

/*
 * With two engines, a batch does not wait behind another engine's: while
 * engine 0 holds a queued batch, the next batch goes to idle engine 1 and
 * runs at once, and the queued one still completes, with its data.
 */
static void nvsvm_test_ce_engines(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_hw_copy small = {
		.src = nvsvm_sys_addr(fx, 0),
		.src_aperture = NVSVM_HW_APERTURE_SYS_COHERENT,
		.dst = fx->data[0], .dst_aperture = NVSVM_HW_APERTURE_VRAM,
		.len = SZ_4K,
	};
	struct nvsvm_hw_copy big = {
		.src = fx->data[1], .src_aperture = NVSVM_HW_APERTURE_VRAM,
		.dst = fx->data[0] + SZ_4K, .dst_aperture = NVSVM_HW_APERTURE_VRAM,
		.len = SZ_64K,
	};
	u64 *sys = nvsvm_sys_ptr(fx, 0), *vram, *vram1;
	u64 seq0 = fx->emu->ce[0].seqno, seq1 = fx->emu->ce[1].seqno;
	struct nvsvm_ce_blocker *b;
	struct dma_fence *f1, *f2;
	void *saved;

	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	saved = (void *)(uintptr_t)nvsvm_emu_ce_inline_kb;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							nvsvm_ce_inline_restore,
							saved), 0);
	saved = (void *)(uintptr_t)nvsvm_emu_ce_engines;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							nvsvm_ce_engines_restore,
							saved), 0);
	nvsvm_emu_ce_engines = 2;
	vram = nvsvm_emu_vram_ptr(fx->emu, fx->data[0], SZ_1M);
	vram1 = nvsvm_emu_vram_ptr(fx->emu, fx->data[1], SZ_1M);
	memset64(vram1, 7, SZ_64K / 8);
	memset64(vram, 0, SZ_1M / 8);

	/* Queued on engine 0, which is idle: inline off for it. */
	nvsvm_emu_ce_inline_kb = 0;
	nvsvm_ce_blocker_start(test, fx->emu, b);
	f1 = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &big, 1));
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(f1));
	KUNIT_EXPECT_EQ(test, fx->emu->ce[0].seqno, seq0 + 1);

	/* Engine 0 is busy: the next batch runs on engine 1, at once. */
	nvsvm_emu_ce_inline_kb = 64;
	sys[0] = 9;
	f2 = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &small, 1));
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(f2));
	KUNIT_EXPECT_EQ(test, f2->error, 0);
	KUNIT_EXPECT_EQ(test, fx->emu->ce[1].seqno, seq1 + 1);
	KUNIT_EXPECT_EQ(test, vram[0], 9);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(f1));
	KUNIT_EXPECT_EQ(test, vram[SZ_4K / 8], 0);

	nvsvm_ce_blocker_release(b);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(f1), 0);
	KUNIT_EXPECT_EQ(test, vram[SZ_4K / 8], 7);
	KUNIT_EXPECT_EQ(test, vram[(SZ_4K + SZ_64K) / 8 - 1], 7);
}

/* The exec engine's operations compute what they say, via the MMU. */
static void nvsvm_test_exec_ops(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	u64 a = NVSVM_TEST_VA, b = a + SZ_8K, c = a + SZ_16K, r = a + SZ_64K;
	u64 *sys = nvsvm_sys_ptr(fx, 0), *vram, pfns[4], csum, i;
	unsigned int words = SZ_4K / 8;
	struct nvsvm_hw_op ops[] = {
		{ .opcode = NVSVM_HW_OP_FILL, .dst = b, .len = SZ_4K, .imm = 3 },
		{ .opcode = NVSVM_HW_OP_FILL, .dst = c, .len = SZ_4K, .imm = 5 },
		{ .opcode = NVSVM_HW_OP_TRIAD, .dst = a, .src0 = b, .src1 = c,
		  .len = SZ_4K, .imm = 7 },
		{ .opcode = NVSVM_HW_OP_ATOMIC_ADD, .dst = a, .len = 16,
		  .imm = 100 },
		{ .opcode = NVSVM_HW_OP_COPY, .dst = b, .src0 = a, .len = SZ_4K },
		{ .opcode = NVSVM_HW_OP_CHECKSUM, .dst = r, .src0 = b,
		  .len = SZ_4K },
	};
	struct dma_fence *fence;

	/* a and r in VRAM (atomics on), b and c in system memory. */
	pfns[0] = nvsvm_vmm_pfn_vram(fx->data[0], NVSVM_VMM_PFN_WRITE |
				     NVSVM_VMM_PFN_ATOMIC);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, a, 1, pfns), 0);
	pfns[0] = nvsvm_vmm_pfn_vram(fx->data[0] + SZ_4K, NVSVM_VMM_PFN_WRITE);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, r, 1, pfns), 0);
	pfns[0] = nvsvm_sys_pfn(fx, 0, NVSVM_VMM_PFN_WRITE);
	pfns[1] = 0;
	pfns[2] = nvsvm_sys_pfn(fx, 1, NVSVM_VMM_PFN_WRITE);
	KUNIT_ASSERT_EQ(test, nvsvm_vmm_pfn_map(fx->vmm, b, 3, pfns), 0);

	if (!fx->chan) {
		fx->chan = nvsvm_hw_chan_create(fx->hw, nvsvm_vmm_pdb(fx->vmm));
		KUNIT_ASSERT_FALSE(test, IS_ERR(fx->chan));
	}
	fence = nvsvm_track(test, nvsvm_hw_job_submit(fx->hw, fx->chan, ops,
						      ARRAY_SIZE(ops)));
	KUNIT_ASSERT_EQ(test, nvsvm_fence_wait(fence), 0);

	vram = nvsvm_emu_vram_ptr(fx->emu, fx->data[0], SZ_8K);
	csum = NVSVM_HW_CSUM_BASIS;
	for (i = 0; i < words; i++) {
		u64 want = 3 + 7 * 5 + (i < 2 ? 100 : 0);

		KUNIT_EXPECT_EQ(test, vram[i], want);
		KUNIT_EXPECT_EQ(test, sys[i], want);
		csum = (csum ^ want) * NVSVM_HW_CSUM_PRIME;
	}
	KUNIT_EXPECT_EQ(test, vram[words], csum);

	/* Programs that are not bounded or not well formed are refused. */
	ops[0].len = NVSVM_HW_OP_MAX_LEN + 8;
	KUNIT_EXPECT_EQ(test, nvsvm_hw_ops_validate(ops, 1), -EINVAL);
	ops[0].len = 12;
	KUNIT_EXPECT_EQ(test, nvsvm_hw_ops_validate(ops, 1), -EINVAL);
	ops[0].len = 8;
	ops[0].dst = BIT_ULL(49) - 4;
	KUNIT_EXPECT_EQ(test, nvsvm_hw_ops_validate(ops, 1), -EINVAL);
	ops[0].dst = U64_MAX - 7;
	KUNIT_EXPECT_EQ(test, nvsvm_hw_ops_validate(ops, 1), -EINVAL);
	ops[0].dst = 0;
	ops[0].src1 = 8;
	KUNIT_EXPECT_EQ(test, nvsvm_hw_ops_validate(ops, 1), -EINVAL);
	ops[0].src1 = 0;
	ops[0].flags = 1;
	KUNIT_EXPECT_EQ(test, nvsvm_hw_ops_validate(ops, 1), -EINVAL);
	ops[0].flags = 0;
	ops[0].opcode = NVSVM_HW_OP_COUNT;
	KUNIT_EXPECT_EQ(test, nvsvm_hw_ops_validate(ops, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, nvsvm_hw_ops_validate(ops, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, nvsvm_hw_ops_validate(ops,
						    NVSVM_HW_JOB_MAX_OPS + 1),
			-EINVAL);
}

/* Destroying a channel ends a stalled job with -ECANCELED. */
static void nvsvm_test_exec_chan_destroy(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_hw_op op = {
		.opcode = NVSVM_HW_OP_FILL, .dst = NVSVM_TEST_TARGET_VA,
		.len = 8, .imm = 1,
	};
	struct dma_fence *fence, *next;
	u32 put = nvsvm_hw_fault_put(fx->hw);

	fence = nvsvm_submit(test, fx, &op);
	next = nvsvm_submit(test, fx, &op);
	KUNIT_ASSERT_EQ(test, nvsvm_wait_put(fx, put), 0);
	nvsvm_hw_chan_destroy(fx->hw, fx->chan);
	fx->chan = NULL;
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), -ECANCELED);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(next), -ECANCELED);
}

/*
 * The IOMMU: a mapping is an IOVA that is not the physical address, good
 * for its direction only, and gone once unmapped; engines that use
 * anything else fault, and the mappings are counted.
 */
static void nvsvm_test_iommu(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	struct nvsvm_emu_iommu *iommu = &fx->emu->iommu;
	long live = atomic_long_read(&iommu->live);
	long faults = atomic_long_read(&iommu->faults);
	struct nvsvm_hw_copy copy = {
		.dst = fx->data[0], .dst_aperture = NVSVM_HW_APERTURE_VRAM,
		.src_aperture = NVSVM_HW_APERTURE_SYS_COHERENT, .len = SZ_4K,
	};
	struct page *page = fx->pages + 2;
	struct dma_fence *fence;
	dma_addr_t to, from;
	u64 *vram;

	KUNIT_ASSERT_TRUE_MSG(test, iommu->enabled,
			      "the kernel has no per-device DMA ops");
	nvsvm_sys_ptr(fx, 2)[0] = 0x5a5aULL;
	to = dma_map_page(fx->dev, page, 0, SZ_4K, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(fx->dev, to));
	from = dma_map_page(fx->dev, page, 0, SZ_4K, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(fx->dev, from));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iommu->live), live + 2);
	KUNIT_EXPECT_GE(test, to, NVSVM_EMU_IOVA_BASE);
	KUNIT_EXPECT_NE(test, to, from);

	/* The copy engine reads through the TO_DEVICE mapping. */
	copy.src = to;
	fence = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &copy, 1));
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), 0);
	vram = nvsvm_emu_vram_ptr(fx->emu, fx->data[0], SZ_4K);
	KUNIT_EXPECT_EQ(test, vram[0], 0x5a5aULL);

	nvsvm_expect_iommu_faults(true);
	/* Not through the FROM_DEVICE one, nor the physical address. */
	vram[0] = 0;
	copy.src = from;
	fence = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &copy, 1));
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), -EIO);
	copy.src = page_to_phys(page);
	fence = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &copy, 1));
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), -EIO);
	KUNIT_EXPECT_EQ(test, vram[0], 0);
	/* Nor a write through TO_DEVICE. */
	KUNIT_EXPECT_NULL(test, nvsvm_iova_page(fx, to, true));
	KUNIT_EXPECT_PTR_EQ(test, nvsvm_iova_page(fx, from, true), page);

	/* Unmapped: gone. */
	dma_unmap_page(fx->dev, to, SZ_4K, DMA_TO_DEVICE);
	copy.src = to;
	fence = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw, &copy, 1));
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), -EIO);
	nvsvm_expect_iommu_faults(false);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iommu->faults), faults + 4);

	dma_unmap_page(fx->dev, from, SZ_4K, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iommu->live), live);
	KUNIT_EXPECT_EQ(test, nvsvm_hw_dma_faults(fx->hw), faults + 4);
}

/* Mappings are aligned to their size; IOVAs are not handed out again soon. */
static void nvsvm_test_iommu_alloc(struct kunit *test)
{
	struct nvsvm_fixture *fx = test->priv;
	dma_addr_t a, b, c;

	a = dma_map_page(fx->dev, fx->pages, 0, SZ_4K, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(fx->dev, a));
	b = dma_map_page(fx->dev, fx->pages, 0, SZ_16K, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(fx->dev, b));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(b, SZ_16K));
	dma_unmap_page(fx->dev, a, SZ_4K, DMA_BIDIRECTIONAL);
	c = dma_map_page(fx->dev, fx->pages, 0, SZ_4K, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(fx->dev, c));
	KUNIT_EXPECT_NE(test, c, a);
	dma_unmap_page(fx->dev, c, SZ_4K, DMA_BIDIRECTIONAL);
	dma_unmap_page(fx->dev, b, SZ_16K, DMA_TO_DEVICE);
}

static struct kunit_case nvsvm_emu_cases[] = {
	KUNIT_CASE(nvsvm_test_tlb_stale),
	KUNIT_CASE_PARAM(nvsvm_test_fault_entry, nvsvm_fault_gen_params),
	KUNIT_CASE(nvsvm_test_fault_replay),
	KUNIT_CASE(nvsvm_test_fault_cancel_access),
	KUNIT_CASE(nvsvm_test_fault_overflow),
	KUNIT_CASE_PARAM(nvsvm_test_ce_copy, nvsvm_ce_gen_params),
	KUNIT_CASE(nvsvm_test_ce_bad),
	KUNIT_CASE(nvsvm_test_ce_inline),
	KUNIT_CASE(nvsvm_test_ce_engines),
	KUNIT_CASE(nvsvm_test_exec_ops),
	KUNIT_CASE(nvsvm_test_exec_chan_destroy),
	KUNIT_CASE(nvsvm_test_iommu),
	KUNIT_CASE(nvsvm_test_iommu_alloc),
	{}
};

static struct kunit_suite nvsvm_emu_suite = {
	.name = "nvsvm_emu",
	.init = nvsvm_fixture_init,
	.exit = nvsvm_fixture_exit,
	.test_cases = nvsvm_emu_cases,
};

/* ------------------------------------------------------------------ */
/* Peer-to-peer between two GPUs */

/* A's VRAM is twice B's: an offset can be inside A's VRAM and not B's. */
#define NVSVM_PEER_VRAM_A	SZ_16M
#define NVSVM_PEER_VRAM_B	SZ_8M
/* GPUs beyond A and B, to fill a peer table: one more than it holds. */
#define NVSVM_PEER_EXTRA	NVSVM_HW_MAX_PEERS

struct nvsvm_peer_fixture {
	/* A, B, then the extra GPUs, created by the test that needs them. */
	struct device *dev[2 + NVSVM_PEER_EXTRA];
	struct nvsvm_hw *hw[2 + NVSVM_PEER_EXTRA];
	struct nvsvm_emu *emu[2];
};

enum { NVSVM_A, NVSVM_B };

static struct nvsvm_hw *nvsvm_peer_gpu(struct kunit *test, unsigned int i,
				       u64 vram_size)
{
	struct nvsvm_peer_fixture *fx = test->priv;
	char name[32];

	snprintf(name, sizeof(name), "nvsvm-kunit-peer%u", i);
	fx->dev[i] = kunit_device_register(test, name);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->dev[i]));
	fx->dev[i]->dma_mask = &fx->dev[i]->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(fx->dev[i],
							DMA_BIT_MASK(47)), 0);
	fx->hw[i] = nvsvm_hw_emu_create(fx->dev[i], vram_size);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fx->hw[i]));
	return fx->hw[i];
}

static int nvsvm_peer_fixture_init(struct kunit *test)
{
	struct nvsvm_peer_fixture *fx;

	fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fx);
	test->priv = fx;
	fx->emu[NVSVM_A] = to_nvsvm_emu(nvsvm_peer_gpu(test, NVSVM_A,
						       NVSVM_PEER_VRAM_A));
	fx->emu[NVSVM_B] = to_nvsvm_emu(nvsvm_peer_gpu(test, NVSVM_B,
						       NVSVM_PEER_VRAM_B));
	return 0;
}

static void nvsvm_peer_fixture_exit(struct kunit *test)
{
	struct nvsvm_peer_fixture *fx = test->priv;
	int i;

	if (!fx)
		return;
	for (i = ARRAY_SIZE(fx->hw); i-- > 0;)
		if (!IS_ERR_OR_NULL(fx->hw[i]))
			nvsvm_hw_destroy(fx->hw[i]);
}

static u8 *nvsvm_peer_vram(struct nvsvm_peer_fixture *fx, int gpu, u64 off)
{
	return nvsvm_emu_vram_ptr(fx->emu[gpu], off, 1);
}

/* What a test reads of the copy engine's traffic counters. */
struct nvsvm_peer_traffic {
	long peer_read, peer_written, sys_read, sys_written;
};

static struct nvsvm_peer_traffic nvsvm_peer_traffic(struct nvsvm_emu *emu)
{
	return (struct nvsvm_peer_traffic) {
		.peer_read = atomic_long_read(&emu->peer_read),
		.peer_written = atomic_long_read(&emu->peer_written),
		.sys_read = atomic_long_read(&emu->ce_sys_read),
		.sys_written = atomic_long_read(&emu->ce_sys_written),
	};
}

struct nvsvm_peer_case {
	const char *name;
	/* The GPU whose copy engine copies; the other is its peer. */
	int gpu;
	/* Is the source the peer's VRAM, or the destination? */
	bool peer_src;
	u64 src_off;
	u64 dst_off;
	u64 len;
};

/*
 * Offsets inside both VRAMs, so that a copy that reached the local VRAM
 * instead of the peer's would succeed and copy the wrong bytes. The 2 MiB
 * cases run on the engine's work item, the small ones inline.
 */
static const struct nvsvm_peer_case nvsvm_peer_cases[] = {
	{ "b-reads-a", NVSVM_B, true, 0x10000, 0x20000, 3 * SZ_4K },
	{ "b-writes-a", NVSVM_B, false, 0x30008, 0x40010, SZ_4K + 0x123 },
	{ "a-reads-b", NVSVM_A, true, 0x50000, 0x60000, 2 * SZ_4K },
	{ "a-writes-b", NVSVM_A, false, 0x70100, 0x80000, SZ_4K },
	{ "b-reads-a-2m", NVSVM_B, true, SZ_2M, SZ_4M, SZ_2M },
	{ "a-writes-b-2m", NVSVM_A, false, SZ_4M, SZ_1M, SZ_2M },
};

static void nvsvm_peer_case_desc(const struct nvsvm_peer_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nvsvm_peer, nvsvm_peer_cases, nvsvm_peer_case_desc);

/*
 * A copy engine reads or writes the other GPU's VRAM through its peer
 * aperture: the bytes land in the right VRAM, and the engine counts them
 * as peer traffic, none as system traffic; the peer's own engine counts
 * nothing.
 */
static void nvsvm_test_peer_copy(struct kunit *test)
{
	const struct nvsvm_peer_case *c = test->param_value;
	struct nvsvm_peer_fixture *fx = test->priv;
	int gpu = c->gpu, other = !c->gpu;
	int src_gpu = c->peer_src ? other : gpu;
	int dst_gpu = c->peer_src ? gpu : other;
	struct nvsvm_peer_traffic before[2], after[2];
	struct nvsvm_hw_copy copy = {
		.src = c->src_off, .dst = c->dst_off, .len = c->len,
		.src_aperture = NVSVM_HW_APERTURE_VRAM,
		.dst_aperture = NVSVM_HW_APERTURE_VRAM,
	};
	struct dma_fence *fence;
	u8 *src, *dst;
	int index;
	u64 i;

	index = nvsvm_hw_peer_connect(fx->hw[gpu], fx->hw[other]);
	KUNIT_ASSERT_GE(test, index, 0);
	KUNIT_ASSERT_LT(test, index, NVSVM_HW_MAX_PEERS);
	if (c->peer_src) {
		copy.src_aperture = NVSVM_HW_APERTURE_PEER;
		copy.src_peer = index;
	} else {
		copy.dst_aperture = NVSVM_HW_APERTURE_PEER;
		copy.dst_peer = index;
	}

	/* Different bytes at the same offsets of both GPUs. */
	for (i = 0; i < c->len; i++) {
		nvsvm_peer_vram(fx, src_gpu, c->src_off)[i] = nvsvm_ce_byte(i);
		nvsvm_peer_vram(fx, dst_gpu, c->src_off)[i] = i * 5 + 1;
	}
	memset(nvsvm_peer_vram(fx, dst_gpu, c->dst_off), 0xa5, c->len + 8);
	memset(nvsvm_peer_vram(fx, src_gpu, c->dst_off), 0x5a, c->len + 8);
	before[NVSVM_A] = nvsvm_peer_traffic(fx->emu[NVSVM_A]);
	before[NVSVM_B] = nvsvm_peer_traffic(fx->emu[NVSVM_B]);

	fence = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw[gpu], &copy, 1));
	KUNIT_ASSERT_EQ(test, nvsvm_fence_wait(fence), 0);

	src = nvsvm_peer_vram(fx, src_gpu, c->src_off);
	dst = nvsvm_peer_vram(fx, dst_gpu, c->dst_off);
	for (i = 0; i < c->len; i++)
		if (dst[i] != nvsvm_ce_byte(i))
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, c->len, "first wrong byte at %llu", i);
	KUNIT_EXPECT_EQ(test, dst[c->len], 0xa5);
	/* The source GPU's bytes at the destination offset are untouched. */
	KUNIT_EXPECT_EQ(test, nvsvm_peer_vram(fx, src_gpu, c->dst_off)[0], 0x5a);
	KUNIT_EXPECT_EQ(test, src[0], 3);

	after[NVSVM_A] = nvsvm_peer_traffic(fx->emu[NVSVM_A]);
	after[NVSVM_B] = nvsvm_peer_traffic(fx->emu[NVSVM_B]);
	KUNIT_EXPECT_EQ(test, after[gpu].peer_read - before[gpu].peer_read,
			c->peer_src ? (long)c->len : 0);
	KUNIT_EXPECT_EQ(test, after[gpu].peer_written - before[gpu].peer_written,
			c->peer_src ? 0 : (long)c->len);
	KUNIT_EXPECT_EQ(test, after[gpu].sys_read, before[gpu].sys_read);
	KUNIT_EXPECT_EQ(test, after[gpu].sys_written, before[gpu].sys_written);
	KUNIT_EXPECT_EQ(test, after[other].peer_read, before[other].peer_read);
	KUNIT_EXPECT_EQ(test, after[other].peer_written,
			before[other].peer_written);
}

/*
 * Both ways at once, each GPU's engine reaching the other: A's index for B
 * and B's index for A are each GPU's own, and a copy may have the peer on
 * both sides.
 */
static void nvsvm_test_peer_both_ways(struct kunit *test)
{
	struct nvsvm_peer_fixture *fx = test->priv;
	struct nvsvm_hw_copy copy = {
		.src = 0, .dst = SZ_1M, .len = SZ_4K,
		.src_aperture = NVSVM_HW_APERTURE_PEER,
		.dst_aperture = NVSVM_HW_APERTURE_PEER,
	};
	u64 *a = nvsvm_emu_vram_ptr(fx->emu[NVSVM_A], 0, SZ_2M);
	u64 *b = nvsvm_emu_vram_ptr(fx->emu[NVSVM_B], 0, SZ_2M);
	struct dma_fence *fence;
	int ab, ba;

	ab = nvsvm_hw_peer_connect(fx->hw[NVSVM_A], fx->hw[NVSVM_B]);
	ba = nvsvm_hw_peer_connect(fx->hw[NVSVM_B], fx->hw[NVSVM_A]);
	KUNIT_ASSERT_GE(test, ab, 0);
	KUNIT_ASSERT_GE(test, ba, 0);
	/* Connecting again gives the same index; itself, none. */
	KUNIT_EXPECT_EQ(test, nvsvm_hw_peer_connect(fx->hw[NVSVM_A],
						    fx->hw[NVSVM_B]), ab);
	KUNIT_EXPECT_EQ(test, nvsvm_hw_peer_connect(fx->hw[NVSVM_A],
						    fx->hw[NVSVM_A]), -EINVAL);
	KUNIT_EXPECT_EQ(test, fx->hw[NVSVM_A]->peer_vram_size[ab],
			NVSVM_PEER_VRAM_B);
	KUNIT_EXPECT_EQ(test, fx->hw[NVSVM_B]->peer_vram_size[ba],
			NVSVM_PEER_VRAM_A);

	a[0] = 0xa0;
	b[0] = 0xb0;
	a[SZ_1M / 8] = 0;
	b[SZ_1M / 8] = 0;
	/* A's engine moves a word of B within B; B's, one of A within A. */
	copy.src_peer = ab;
	copy.dst_peer = ab;
	fence = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw[NVSVM_A], &copy, 1));
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), 0);
	KUNIT_EXPECT_EQ(test, b[SZ_1M / 8], 0xb0);
	KUNIT_EXPECT_EQ(test, a[SZ_1M / 8], 0);
	copy.src_peer = ba;
	copy.dst_peer = ba;
	fence = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw[NVSVM_B], &copy, 1));
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), 0);
	KUNIT_EXPECT_EQ(test, b[SZ_1M / 8], 0xb0);
	KUNIT_EXPECT_EQ(test, a[SZ_1M / 8], 0xa0);
}

/*
 * A batch with a bad peer copy is refused whole, before any copy runs:
 * -ENXIO for an index that is not connected, -EINVAL for a malformed one
 * or a range outside the peer's VRAM (though inside the local VRAM).
 */
static void nvsvm_test_peer_validate(struct kunit *test)
{
	struct nvsvm_peer_fixture *fx = test->priv;
	struct nvsvm_hw *a = fx->hw[NVSVM_A];
	struct nvsvm_hw_copy copies[2] = {
		/* A good local copy first: it must not run. */
		{ .src = 0, .dst = SZ_4K, .len = 8,
		  .src_aperture = NVSVM_HW_APERTURE_VRAM,
		  .dst_aperture = NVSVM_HW_APERTURE_VRAM },
		{ .src = 0, .dst = NVSVM_PEER_VRAM_B - SZ_4K, .len = SZ_4K,
		  .src_aperture = NVSVM_HW_APERTURE_VRAM,
		  .dst_aperture = NVSVM_HW_APERTURE_PEER },
	};
	struct nvsvm_hw_copy *c = &copies[1];
	u64 *vram = nvsvm_emu_vram_ptr(fx->emu[NVSVM_A], 0, SZ_8K);
	struct dma_fence *fence;
	int index;

	vram[0] = 1;
	vram[SZ_4K / 8] = 0;

	/* Nothing connected yet: every index is unknown. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(a, copies, 2)), -ENXIO);
	index = nvsvm_hw_peer_connect(a, fx->hw[NVSVM_B]);
	KUNIT_ASSERT_GE(test, index, 0);
	c->dst_peer = index;
	fence = nvsvm_track(test, nvsvm_hw_ce_copy(a, copies, 2));
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), 0);
	KUNIT_EXPECT_EQ(test, vram[SZ_4K / 8], 1);
	vram[SZ_4K / 8] = 0;

	/* Another index, connected to nothing. */
	c->dst_peer = (index + 1) % NVSVM_HW_MAX_PEERS;
	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(a, copies, 2)), -ENXIO);
	/* No such index. */
	c->dst_peer = NVSVM_HW_MAX_PEERS;
	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(a, copies, 2)), -EINVAL);
	c->dst_peer = index;
	/* Past the end of B's VRAM, inside A's. */
	c->len = SZ_8K;
	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(a, copies, 2)), -EINVAL);
	c->len = SZ_4K;
	c->dst = NVSVM_PEER_VRAM_B;
	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(a, copies, 2)), -EINVAL);
	c->dst = U64_MAX - SZ_4K + 2;
	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(a, copies, 2)), -EINVAL);
	c->dst = NVSVM_PEER_VRAM_B - SZ_4K;
	/* A peer index on an operand that is not in the peer aperture. */
	c->src_peer = index ^ 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(a, copies, 2)), -EINVAL);
	c->src_peer = 0;
	/* The peer aperture as a source too. */
	c->src_aperture = NVSVM_HW_APERTURE_PEER;
	c->src_peer = (index + 1) % NVSVM_HW_MAX_PEERS;
	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(a, copies, 2)), -ENXIO);
	c->src_aperture = NVSVM_HW_APERTURE_VRAM;
	c->src_peer = 0;

	/* Disconnected: unknown again. */
	nvsvm_hw_peer_disconnect(a, fx->hw[NVSVM_B]);
	KUNIT_EXPECT_EQ(test, a->peer_vram_size[index], 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(a, copies, 2)), -ENXIO);
	/* None of the refused batches ran its first copy. */
	KUNIT_EXPECT_EQ(test, vram[SZ_4K / 8], 0);
}

static void nvsvm_peer_access_restore(void *arg)
{
	nvsvm_emu_peer_access = (uintptr_t)arg;
}

/* peer_access=0: no platform peer path, connecting fails both ways. */
static void nvsvm_test_peer_access_off(struct kunit *test)
{
	struct nvsvm_peer_fixture *fx = test->priv;
	struct nvsvm_hw *a = fx->hw[NVSVM_A], *b = fx->hw[NVSVM_B];
	struct nvsvm_hw_copy copy = {
		.src = 0, .dst = 0, .len = SZ_4K,
		.src_aperture = NVSVM_HW_APERTURE_PEER,
		.dst_aperture = NVSVM_HW_APERTURE_VRAM,
	};
	void *saved = (void *)(uintptr_t)nvsvm_emu_peer_access;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							nvsvm_peer_access_restore,
							saved), 0);
	nvsvm_emu_peer_access = false;
	KUNIT_EXPECT_EQ(test, nvsvm_hw_peer_connect(a, b), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, nvsvm_hw_peer_connect(b, a), -EOPNOTSUPP);
	for (i = 0; i < NVSVM_HW_MAX_PEERS; i++) {
		KUNIT_EXPECT_EQ(test, a->peer_vram_size[i], 0);
		KUNIT_EXPECT_EQ(test, b->peer_vram_size[i], 0);
		copy.src_peer = i;
		KUNIT_EXPECT_EQ(test, PTR_ERR(nvsvm_hw_ce_copy(b, &copy, 1)),
				-ENXIO);
	}
	/* Disconnecting what was never connected is harmless. */
	nvsvm_hw_peer_disconnect(b, a);

	nvsvm_emu_peer_access = true;
	KUNIT_EXPECT_GE(test, nvsvm_hw_peer_connect(b, a), 0);
}

/* A peer table holds %NVSVM_HW_MAX_PEERS peers; a freed index is reused. */
static void nvsvm_test_peer_table_full(struct kunit *test)
{
	struct nvsvm_peer_fixture *fx = test->priv;
	struct nvsvm_hw *a = fx->hw[NVSVM_A];
	unsigned int i;

	for (i = 0; i < NVSVM_PEER_EXTRA; i++)
		nvsvm_peer_gpu(test, 2 + i, SZ_4K);
	KUNIT_ASSERT_EQ(test, nvsvm_hw_peer_connect(a, fx->hw[NVSVM_B]), 0);
	for (i = 1; i < NVSVM_HW_MAX_PEERS; i++)
		KUNIT_EXPECT_EQ(test, nvsvm_hw_peer_connect(a, fx->hw[1 + i]),
				i);
	KUNIT_EXPECT_EQ(test, nvsvm_hw_peer_connect(a, fx->hw[1 + i]),
			-ENOSPC);
	nvsvm_hw_peer_disconnect(a, fx->hw[4]);
	KUNIT_EXPECT_EQ(test, nvsvm_hw_peer_connect(a, fx->hw[1 + i]), 3);
	KUNIT_EXPECT_EQ(test, a->peer_vram_size[3], SZ_4K);
	/* Destroying a peer frees its index. */
	nvsvm_hw_destroy(fx->hw[NVSVM_B]);
	fx->hw[NVSVM_B] = NULL;
	KUNIT_EXPECT_EQ(test, a->peer_vram_size[0], 0);
	KUNIT_EXPECT_EQ(test, nvsvm_hw_peer_connect(a, fx->hw[4]), 0);
}

/*
 * B queues a read of A's VRAM and a write into it, behind a blocker, so
 * that neither has run when @gone takes A away; then the blocker goes.
 */
static void nvsvm_peer_queue_and_lose(struct kunit *test,
				      void (*gone)(struct kunit *test))
{
	struct nvsvm_peer_fixture *fx = test->priv;
	struct nvsvm_emu *b = fx->emu[NVSVM_B];
	struct nvsvm_hw_copy rd = {
		.src = 0, .src_aperture = NVSVM_HW_APERTURE_PEER,
		.dst = SZ_1M, .dst_aperture = NVSVM_HW_APERTURE_VRAM,
		.len = SZ_4K,
	}, wr = {
		.src = SZ_2M, .src_aperture = NVSVM_HW_APERTURE_VRAM,
		.dst = SZ_4K, .dst_aperture = NVSVM_HW_APERTURE_PEER,
		.len = SZ_4K,
	};
	u64 *b_vram = nvsvm_emu_vram_ptr(b, 0, SZ_4M);
	struct nvsvm_peer_traffic before;
	struct nvsvm_ce_blocker *blk;
	struct dma_fence *f_rd, *f_wr;
	void *saved;
	int index;

	blk = kunit_kzalloc(test, sizeof(*blk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blk);
	saved = (void *)(uintptr_t)nvsvm_emu_ce_inline_kb;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							nvsvm_ce_inline_restore,
							saved), 0);
	/* Queued, not run inline behind the blocker. */
	nvsvm_emu_ce_inline_kb = 0;
	/* Both behind it: on one engine, the one it holds. */
	saved = (void *)(uintptr_t)nvsvm_emu_ce_engines;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							nvsvm_ce_engines_restore,
							saved), 0);
	nvsvm_emu_ce_engines = 1;

	index = nvsvm_hw_peer_connect(fx->hw[NVSVM_B], fx->hw[NVSVM_A]);
	KUNIT_ASSERT_GE(test, index, 0);
	rd.src_peer = index;
	wr.dst_peer = index;
	memset64(nvsvm_emu_vram_ptr(fx->emu[NVSVM_A], 0, SZ_8K), 0xaa,
		 SZ_8K / 8);
	b_vram[SZ_1M / 8] = 0;
	b_vram[SZ_2M / 8] = 0xbb;
	before = nvsvm_peer_traffic(b);

	nvsvm_ce_blocker_start(test, b, blk);
	f_rd = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw[NVSVM_B], &rd, 1));
	f_wr = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw[NVSVM_B], &wr, 1));
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(f_rd));

	gone(test);

	nvsvm_ce_blocker_release(blk);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(f_rd), -EIO);
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(f_wr), -EIO);
	KUNIT_EXPECT_EQ(test, b_vram[SZ_1M / 8], 0);
	KUNIT_EXPECT_EQ(test, nvsvm_peer_traffic(b).peer_read, before.peer_read);
	KUNIT_EXPECT_EQ(test, nvsvm_peer_traffic(b).peer_written,
			before.peer_written);
	if (fx->hw[NVSVM_A])
		KUNIT_EXPECT_EQ(test, *(u64 *)nvsvm_peer_vram(fx, NVSVM_A,
							      SZ_4K), 0xaa);
}

/*
 * Disconnected, and reconnected at the same index, while the batches wait:
 * they were checked against the old connection, and fail.
 */
static void nvsvm_peer_disconnect_reconnect(struct kunit *test)
{
	struct nvsvm_peer_fixture *fx = test->priv;
	struct nvsvm_hw *a = fx->hw[NVSVM_A], *b = fx->hw[NVSVM_B];
	int index = nvsvm_hw_peer_connect(b, a);

	nvsvm_hw_peer_disconnect(b, a);
	KUNIT_EXPECT_EQ(test, nvsvm_hw_peer_connect(b, a), index);
}

static void nvsvm_test_peer_disconnect_queued(struct kunit *test)
{
	struct nvsvm_peer_fixture *fx = test->priv;
	struct nvsvm_hw_copy rd = {
		.src = 0, .src_aperture = NVSVM_HW_APERTURE_PEER,
		.dst = SZ_1M, .dst_aperture = NVSVM_HW_APERTURE_VRAM,
		.len = SZ_4K,
	};
	struct dma_fence *fence;

	nvsvm_peer_queue_and_lose(test, nvsvm_peer_disconnect_reconnect);
	/* A batch checked against the new connection runs. */
	rd.src_peer = nvsvm_hw_peer_connect(fx->hw[NVSVM_B], fx->hw[NVSVM_A]);
	fence = nvsvm_track(test, nvsvm_hw_ce_copy(fx->hw[NVSVM_B], &rd, 1));
	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), 0);
	KUNIT_EXPECT_EQ(test, *(u64 *)nvsvm_peer_vram(fx, NVSVM_B, SZ_1M), 0xaa);
}

static void nvsvm_peer_destroy_a(struct kunit *test)
{
	struct nvsvm_peer_fixture *fx = test->priv;

	nvsvm_hw_destroy(fx->hw[NVSVM_A]);
	fx->hw[NVSVM_A] = NULL;
	fx->emu[NVSVM_A] = NULL;
}

/* A destroyed with B's batches queued on it: they fail, A's VRAM is gone. */
static void nvsvm_test_peer_destroy_queued(struct kunit *test)
{
	nvsvm_peer_queue_and_lose(test, nvsvm_peer_destroy_a);
}

static void nvsvm_peer_delay_restore(void *arg)
{
	nvsvm_emu_debug_peer_delay_us = (uintptr_t)arg;
}

/*
 * A disconnect waits for the peer copy in flight: B writes 64 x 2 MiB into
 * A, each chunk held in flight 10 ms by debug_peer_delay_us; once some has
 * gone, A is disconnected. From the return on, B writes nothing more into
 * A, and the batch fails.
 */
static void nvsvm_test_peer_disconnect_running(struct kunit *test)
{
	struct nvsvm_peer_fixture *fx = test->priv;
	struct nvsvm_hw *a = fx->hw[NVSVM_A], *b = fx->hw[NVSVM_B];
	struct nvsvm_emu *emu = fx->emu[NVSVM_B];
	void *saved = (void *)(uintptr_t)nvsvm_emu_debug_peer_delay_us;
	unsigned int n = 64, i;
	struct nvsvm_hw_copy *copies;
	unsigned long timeout;
	struct dma_fence *fence;
	long start, stopped;
	int index;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							nvsvm_peer_delay_restore,
							saved), 0);
	nvsvm_emu_debug_peer_delay_us = 10000;
	copies = kunit_kcalloc(test, n, sizeof(*copies), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copies);
	index = nvsvm_hw_peer_connect(b, a);
	KUNIT_ASSERT_GE(test, index, 0);
	for (i = 0; i < n; i++)
		copies[i] = (struct nvsvm_hw_copy) {
			.src = 0, .src_aperture = NVSVM_HW_APERTURE_VRAM,
			.dst = (i % 4) * SZ_2M,
			.dst_aperture = NVSVM_HW_APERTURE_PEER,
			.dst_peer = index, .len = SZ_2M,
		};
	start = atomic_long_read(&emu->peer_written);
	fence = nvsvm_track(test, nvsvm_hw_ce_copy(b, copies, n));

	timeout = jiffies + msecs_to_jiffies(NVSVM_TEST_TIMEOUT_MS);
	while (atomic_long_read(&emu->peer_written) == start) {
		KUNIT_ASSERT_TRUE(test, time_before(jiffies, timeout));
		usleep_range(100, 200);
	}
	nvsvm_hw_peer_disconnect(b, a);
	stopped = atomic_long_read(&emu->peer_written);

	KUNIT_EXPECT_EQ(test, nvsvm_fence_wait(fence), -EIO);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&emu->peer_written), stopped);
	KUNIT_EXPECT_LT(test, stopped - start, (long)n * SZ_2M);
	kunit_info(test, "disconnected after %ld of %u MiB\n",
		   (stopped - start) / SZ_1M, n * 2);
}

static struct kunit_case nvsvm_peer_test_cases[] = {
	KUNIT_CASE_PARAM(nvsvm_test_peer_copy, nvsvm_peer_gen_params),
	KUNIT_CASE(nvsvm_test_peer_both_ways),
	KUNIT_CASE(nvsvm_test_peer_validate),
	KUNIT_CASE(nvsvm_test_peer_access_off),
	KUNIT_CASE(nvsvm_test_peer_table_full),
	KUNIT_CASE(nvsvm_test_peer_disconnect_queued),
	KUNIT_CASE(nvsvm_test_peer_destroy_queued),
	KUNIT_CASE(nvsvm_test_peer_disconnect_running),
	{}
};

static struct kunit_suite nvsvm_peer_suite = {
	.name = "nvsvm_peer",
	.init = nvsvm_peer_fixture_init,
	.exit = nvsvm_peer_fixture_exit,
	.test_cases = nvsvm_peer_test_cases,
};

kunit_test_suites(&nvsvm_gp100_suite, &nvsvm_vmm_suite, &nvsvm_emu_suite,
		  &nvsvm_peer_suite);
